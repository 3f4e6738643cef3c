// The client: transport (retries, timeouts, rate limit, deprecations), decoding, and its resource groups.
import { deprecationFrom, deprecationKey, deprecationMessage } from './deprecations.js';
import { KizunaConnectionError, KizunaError, KizunaTimeoutError, errorFromResponse, parseRetryAfter } from './errors.js';
import { rateLimitFrom } from './headers.js';
import { PageList } from './pagination.js';
import { cleanParams, withPerPage } from './params.js';
import {
  Agents, Branches, Comments, Events, Issues, Labels, Milestones, Orgs, Pipelines, Pulls, Repos, Webhooks,
} from './resources.js';

export const VERSION = '0.1.0';
export const API_VERSION = 'v1';
const API_PREFIX = '/api/v1';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class KizunaClient {
  /**
   * @param {object} options
   * @param {string} options.baseUrl  the server's root, e.g. https://kizuna.example.com
   * @param {string} [options.token]  kzp_… / kza_… / kzd_…
   */
  constructor({
    baseUrl, token = null, timeout = 30000, maxRetries = 3, retry = true, maxRetryWait = 60000,
    backoff = 500, userAgent, headers = {}, fetch: fetchImpl,
  } = {}) {
    let parsed;
    try { parsed = new URL(String(baseUrl ?? '').trim()); } catch { parsed = null; }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !parsed.host) {
      throw new TypeError(`baseUrl must be an http(s) URL such as 'https://kizuna.example.com', got ${JSON.stringify(baseUrl)}`);
    }
    let root = String(baseUrl).trim().replace(/\/+$/, '');
    if (root.endsWith(API_PREFIX)) root = root.slice(0, -API_PREFIX.length);
    this.baseUrl = root;
    this.apiUrl = root + API_PREFIX;
    this.token = token;
    this.timeout = timeout;
    this.maxRetries = Math.max(0, maxRetries);
    this.retry = retry;
    this.maxRetryWait = maxRetryWait;
    this.backoff = backoff;
    this.rateLimit = null;
    this.lastResponse = null;
    /** Every deprecation the server announced on this client's calls, each once (docs/api.md §18). */
    this.deprecations = [];
    this._deprecationKeys = new Set();
    this._extraHeaders = { 'user-agent': userAgent || `kizuna-sdk-js/${VERSION}`, ...headers };
    this._fetch = fetchImpl || globalThis.fetch;
    this._sleep = realSleep;

    this.orgs = new Orgs(this);
    this.repos = new Repos(this);
    this.issues = new Issues(this);
    this.comments = new Comments(this);
    this.labels = new Labels(this);
    this.milestones = new Milestones(this);
    this.pulls = new Pulls(this);
    this.branches = new Branches(this);
    this.agents = new Agents(this);
    this.pipelines = new Pipelines(this);
    this.webhooks = new Webhooks(this);
    this.events = new Events(this);
  }

  /** Call any endpoint; `path` is relative to /api/v1 (e.g. '/user'). */
  async request(method, path, { params, json, body, headers } = {}) {
    const response = await this._send(method, path, { params: cleanParams(params), json, body, headers });
    return this._decode(response, method.toUpperCase());
  }

  /** A lazy PageList over the list endpoint at `path` (`for await`, `.all()`, `.first()`, `.pages()`). */
  paginate(path, params) {
    return new PageList(this, path, withPerPage(params));
  }

  _headers(extra = {}) {
    const headers = { accept: 'application/json', ...this._extraHeaders };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    for (const [key, value] of Object.entries(extra || {})) headers[key.toLowerCase()] = value;
    return headers;
  }

  _relative(url) {
    const parsed = new URL(url, this.baseUrl);
    let path = parsed.pathname;
    if (path.startsWith(API_PREFIX)) path = path.slice(API_PREFIX.length);
    return path + parsed.search;
  }

  _url(path, params) {
    let rel = /^https?:\/\//.test(path) ? this._relative(path) : (path.startsWith('/') ? path : `/${path}`);
    const query = new URLSearchParams(params || {}).toString();
    if (query) rel += (rel.includes('?') ? '&' : '?') + query;
    return this.apiUrl + rel;
  }

  _waitFor(response, attempt) {
    const after = parseRetryAfter(response.headers.get('retry-after'));
    if (after != null) return after * 1000 <= this.maxRetryWait ? after * 1000 : null;
    return Math.min(this.backoff * 2 ** attempt, this.maxRetryWait);
  }

  async _send(method, path, { params, json, body, headers } = {}) {
    method = method.toUpperCase();
    const url = this._url(path, params);
    const extra = { ...(headers || {}) };
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      extra['content-type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await this._fetch(url, {
          method, headers: this._headers(extra), body: payload, redirect: 'manual',
          signal: AbortSignal.timeout(this.timeout),
        });
      } catch (err) {
        if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
          throw new KizunaTimeoutError(`${method} ${url} timed out after ${this.timeout} ms; the server did not answer in time`, { code: 'TIMEOUT', cause: err });
        }
        const reason = err?.cause?.code || err?.cause?.message || err?.message || String(err);
        throw new KizunaConnectionError(`cannot reach Kizuna at ${this.baseUrl} (${reason}); check baseUrl`, { code: 'CONNECTION_ERROR', cause: err });
      }
      this.lastResponse = response;
      this.rateLimit = rateLimitFrom(response.headers) || this.rateLimit;
      this._noteDeprecation(method, url, response.headers);
      if (response.status < 400) return response;
      const retryable = response.status === 429 || response.status >= 500;
      if (this.retry && retryable && IDEMPOTENT.has(method) && attempt < this.maxRetries) {
        const wait = this._waitFor(response, attempt);
        if (wait != null) {
          await response.body?.cancel();
          await this._sleep(wait);
          continue;
        }
      }
      throw await errorFromResponse(response, method);
    }
  }

  /** Warn once (`process.emitWarning`, type DeprecationWarning) per deprecation announced. */
  _noteDeprecation(method, url, headers) {
    const notice = deprecationFrom(method, this._relative(url), headers);
    if (!notice) return;
    const key = deprecationKey(notice);
    if (this._deprecationKeys.has(key)) return;
    this._deprecationKeys.add(key);
    this.deprecations.push(notice);
    process.emitWarning(deprecationMessage(notice), { type: 'DeprecationWarning', code: 'KIZUNA_DEPRECATED' });
  }

  async _decode(response, method) {
    if (response.status === 204) return null;
    let text;
    try {
      text = await response.text();
    } catch (err) {
      if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
        throw new KizunaTimeoutError(`${method} ${response.url} timed out after ${this.timeout} ms while reading the body`, { code: 'TIMEOUT', cause: err });
      }
      throw new KizunaConnectionError(`${method} ${response.url}: the connection broke while reading the body (${err?.message || err})`, { code: 'CONNECTION_ERROR', cause: err });
    }
    if (!text) return null;
    const contentType = (response.headers.get('content-type') || '').toLowerCase();
    if (contentType.includes('json')) {
      try { return JSON.parse(text); } catch (err) {
        throw new KizunaError(`invalid JSON from ${method} ${response.url}`, { status: response.status, code: 'INVALID_RESPONSE', cause: err });
      }
    }
    if (contentType.startsWith('text/plain')) return text;
    throw new KizunaError(`expected JSON from ${method} ${response.url}, got ${contentType || 'no content type'} — is baseUrl (${this.baseUrl}) a Kizuna server?`,
      { status: response.status, code: 'INVALID_RESPONSE' });
  }
}

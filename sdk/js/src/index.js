// @kizuna/sdk — a dependency-free client for the Kizuna REST API v1 (docs/api.md §15). Node >= 20.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const VERSION = '0.1.0';
export const API_VERSION = 'v1';
const API_PREFIX = '/api/v1';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------
const STATUS_CODES = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT', 410: 'GONE', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 416: 'RANGE_NOT_SATISFIABLE',
  422: 'VALIDATION_ERROR', 429: 'RATE_LIMITED', 500: 'INTERNAL_ERROR', 502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE', 504: 'GATEWAY_TIMEOUT',
};

export class KizunaError extends Error {
  constructor(message, { status = null, code = 'ERROR', details = {}, requestId = null, response = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = details && typeof details === 'object' && !Array.isArray(details) ? details : {};
    this.requestId = requestId;
    this.response = response;
  }

  toString() {
    const status = this.status == null ? '' : `${this.status} `;
    const rid = this.requestId ? ` (request_id=${this.requestId})` : '';
    return `${this.name}: ${status}${this.code}: ${this.message}${rid}`;
  }
}
export class KizunaConnectionError extends KizunaError {}
export class KizunaTimeoutError extends KizunaConnectionError {}
export class UnauthorizedError extends KizunaError {}
export class ForbiddenError extends KizunaError {}
export class NotFoundError extends KizunaError {}
export class ValidationError extends KizunaError {}
export class ConflictError extends KizunaError {}
export class NotMergeableError extends KizunaError {}
export class ServerError extends KizunaError {}
/** 410: a version, operation or parameter past its sunset date (docs/api.md §18). */
export class GoneError extends KizunaError {}
export class RateLimitedError extends KizunaError {
  constructor(message, options = {}) {
    super(message, options);
    this.retryAfter = options.retryAfter ?? null;
  }
}

const BY_CODE = {
  UNAUTHORIZED: UnauthorizedError, FORBIDDEN: ForbiddenError, NOT_FOUND: NotFoundError,
  VALIDATION_ERROR: ValidationError, CONFLICT: ConflictError, NOT_MERGEABLE: NotMergeableError,
  RATE_LIMITED: RateLimitedError, GONE: GoneError,
};
const BY_STATUS = {
  401: UnauthorizedError, 403: ForbiddenError, 404: NotFoundError, 409: ConflictError,
  410: GoneError, 422: ValidationError, 429: RateLimitedError,
};

function errorClass(status, code) {
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (BY_STATUS[status]) return BY_STATUS[status];
  if (status >= 500) return ServerError;
  return KizunaError;
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), or null. */
export function parseRetryAfter(value) {
  if (value == null || String(value).trim() === '') return null;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, (when - Date.now()) / 1000);
}

async function errorFromResponse(response, method) {
  const status = response.status;
  let requestId = response.headers.get('x-request-id');
  const contentType = response.headers.get('content-type') || '';
  const text = await response.text().catch(() => '');
  let envelope = null;
  if (contentType.toLowerCase().includes('json')) {
    try {
      const body = JSON.parse(text);
      if (body && typeof body === 'object' && body.error && typeof body.error === 'object') envelope = body.error;
    } catch { /* not JSON after all */ }
  }
  let code; let message; let details = {};
  if (envelope) {
    code = String(envelope.code || STATUS_CODES[status] || `HTTP_${status}`);
    message = String(envelope.message || '');
    details = envelope.details && typeof envelope.details === 'object' ? envelope.details : {};
    requestId = envelope.request_id || requestId;
  } else {
    code = STATUS_CODES[status] || `HTTP_${status}`;
    const snippet = text.slice(0, 200).split(/\s+/).join(' ').trim();
    const kind = contentType.split(';')[0].trim() || 'no content type';
    message = `HTTP ${status} from ${method} ${response.url} with a non-JSON body (${kind})`
      + (snippet ? `: ${JSON.stringify(snippet)}` : '')
      + ' — is baseUrl a Kizuna server, or is a proxy in front of it failing?';
  }
  const Cls = errorClass(status, code);
  const options = { status, code, details, requestId, response };
  if (Cls === RateLimitedError) options.retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  return new Cls(message, options);
}

// ---------------------------------------------------------------------------------------------
// Deprecations (docs/api.md §18)
// ---------------------------------------------------------------------------------------------
/**
 * The deprecation a response announces (`Deprecation: @<unix>` RFC 9745, `Sunset` RFC 8594,
 * `Link: <notes>; rel="deprecation"`), or null when it carries no `Deprecation` header.
 */
export function deprecationFrom(method, path, headers) {
  const value = headers.get('deprecation');
  if (value == null) return null;
  const stamp = /^@(\d+)$/.exec(value.trim());
  const links = [];
  for (const match of String(headers.get('link') || '').matchAll(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/g)) {
    if (match[2] === 'deprecation') links.push(match[1]);
  }
  return {
    method, path: path.split('?')[0], deprecatedAt: stamp ? new Date(Number(stamp[1]) * 1000) : null,
    sunset: headers.get('sunset'), links,
  };
}

function deprecationKey(notice) {
  // The method and the server's announcement, not the path's ids: one operation called on many
  // objects warns once.
  return JSON.stringify([notice.method, notice.deprecatedAt?.getTime() ?? null, notice.sunset, notice.links]);
}

function deprecationMessage(notice) {
  let text = `Kizuna API: ${notice.method} ${notice.path} uses something deprecated`;
  if (notice.deprecatedAt) text += ` since ${notice.deprecatedAt.toISOString().replace('.000Z', 'Z')}`;
  if (notice.sunset) text += `; it stops working (410 GONE) on ${notice.sunset}`;
  if (notice.links.length) text += `. See ${notice.links.join(', ')}`;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
const seg = (value) => encodeURIComponent(String(value));
const subpath = (value) => String(value).replace(/^\/+|\/+$/g, '').split('/').map(encodeURIComponent).join('/');

function queryValue(value) {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function cleanParams(params = {}) {
  const out = {};
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null) continue;
    out[key === 'perPage' ? 'per_page' : key] = queryValue(value);
  }
  return out;
}

function withPerPage(params) {
  const clean = cleanParams(params);
  if (!('per_page' in clean)) clean.per_page = '100';
  return clean;
}

function compact(obj) {
  const out = {};
  for (const [key, value] of Object.entries(obj || {})) if (value !== undefined) out[key] = value;
  return out;
}

/** `Link: <url>; rel="next", …` -> { next: url, … } */
export function parseLink(header) {
  const links = {};
  for (const match of String(header || '').matchAll(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/g)) links[match[2]] = match[1];
  return links;
}

function rateLimitFrom(headers) {
  const limit = headers.get('x-ratelimit-limit');
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = headers.get('x-ratelimit-reset');
  if (limit == null || remaining == null || reset == null) return null;
  const used = headers.get('x-ratelimit-used');
  return {
    limit: Number(limit), remaining: Number(remaining), reset: Number(reset),
    used: used == null ? null : Number(used), resource: headers.get('x-ratelimit-resource'),
  };
}

const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------
/**
 * Every item of a list endpoint, fetched lazily page by page (following `Link: rel="next"`).
 * `await list` gives an array of every item; `for await (const item of list)` iterates lazily.
 */
export class PageList {
  constructor(client, path, params) {
    this._client = client;
    this._path = path;
    this._params = params;
    this.totalCount = null;
  }

  async *pages() {
    let url = this._path;
    let params = this._params;
    while (url) {
      const response = await this._client._send('GET', url, { params });
      const total = response.headers.get('x-total-count');
      if (total != null && /^\d+$/.test(total)) this.totalCount = Number(total);
      const body = await this._client._decode(response, 'GET');
      if (!Array.isArray(body)) {
        throw new KizunaError(`expected a JSON array from GET ${response.url}`, { status: response.status, code: 'INVALID_RESPONSE' });
      }
      yield body;
      const next = parseLink(response.headers.get('link')).next;
      url = next ? this._client._relative(next) : null;
      params = undefined;
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) yield* page;
  }

  async all() {
    const items = [];
    for await (const item of this) items.push(item);
    return items;
  }

  async first() {
    for await (const item of this) return item;
    return null;
  }

  then(onFulfilled, onRejected) {
    return this.all().then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.all().catch(onRejected);
  }
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events
// ---------------------------------------------------------------------------------------------
const FATAL_STREAM = new Set([400, 401, 403, 404, 405, 410, 422]);

/** Split an SSE text stream into frames {id, event, data, retry}. */
export function* parseFrames(lines) {
  let frame = {};
  let data = [];
  for (const raw of lines) {
    const line = raw.replace(/\r?\n?$/, '').replace(/\r$/, '');
    if (line === '') {
      if (data.length || 'id' in frame || 'retry' in frame) {
        if (data.length) frame.data = data.join('\n');
        yield frame;
      }
      frame = {}; data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
  }
}

async function* streamEvents(client, path, { lastEventId = null, maxReconnects = null, readTimeout = 45000, signal } = {}) {
  let retryMs = 3000;
  let lastId = lastEventId == null ? null : String(lastEventId);
  let reconnects = 0;
  while (true) {
    if (signal?.aborted) return;
    const headers = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
    if (lastId != null) headers['last-event-id'] = lastId;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let idle = setTimeout(() => controller.abort(), client.timeout);
    const touch = () => { clearTimeout(idle); idle = setTimeout(() => controller.abort(), readTimeout); };
    let wait = retryMs;
    try {
      let response;
      try {
        response = await client._fetch(client.apiUrl + path, { method: 'GET', headers: client._headers(headers), signal: controller.signal });
      } catch (err) {
        if (signal?.aborted) return;
        throw new Reconnect();
      }
      client.lastResponse = response;
      client._noteDeprecation('GET', client.apiUrl + path, response.headers);
      if (response.status >= 400) {
        const error = await errorFromResponse(response, 'GET');
        if (FATAL_STREAM.has(response.status)) throw error;
        const after = parseRetryAfter(response.headers.get('retry-after'));
        if (after != null) {
          if (after * 1000 > client.maxRetryWait) throw error;
          wait = after * 1000;
        }
        throw new Reconnect();
      }
      const contentType = response.headers.get('content-type') || '';
      if (!contentType.includes('text/event-stream')) {
        await response.body?.cancel();
        throw new KizunaError(`expected text/event-stream from GET ${response.url}, got ${contentType || 'nothing'}`,
          { status: response.status, code: 'INVALID_RESPONSE' });
      }
      reconnects = 0;
      touch();
      const decoder = new TextDecoder();
      let buffer = '';
      const lines = [];
      try {
        for await (const chunk of response.body) {
          touch();
          buffer += decoder.decode(chunk, { stream: true });
          const parts = buffer.split(/\r\n|\r|\n/);
          buffer = parts.pop();
          lines.push(...parts);
          // parse complete frames only (up to the last blank line)
          const lastBlank = lines.lastIndexOf('');
          if (lastBlank === -1) continue;
          const complete = lines.splice(0, lastBlank + 1);
          for (const frame of parseFrames(complete)) {
            if ('retry' in frame) retryMs = Math.min(frame.retry, client.maxRetryWait);
            if (!('data' in frame)) {
              if ('id' in frame) lastId = frame.id;
              continue;
            }
            let payload;
            try { payload = JSON.parse(frame.data); } catch { payload = { data: frame.data }; }
            if (!payload || typeof payload !== 'object' || Array.isArray(payload)) payload = { data: payload };
            if ('id' in frame) {
              lastId = frame.id;
              if (!('id' in payload)) payload.id = /^\d+$/.test(frame.id) ? Number(frame.id) : frame.id;
            }
            if ('event' in frame && !('type' in payload)) payload.type = frame.event;
            yield payload;
          }
        }
      } catch (err) {
        if (signal?.aborted) return;
        // dropped connection or idle timeout: reconnect below
      }
      wait = retryMs;
    } catch (err) {
      if (!(err instanceof Reconnect)) throw err;
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
    reconnects += 1;
    if (maxReconnects != null && reconnects > maxReconnects) {
      throw new KizunaConnectionError(`event stream ${path} lost and not re-established after ${maxReconnects} reconnects`, { code: 'STREAM_LOST' });
    }
    await client._sleep(wait);
  }
}

class Reconnect extends Error {}

// ---------------------------------------------------------------------------------------------
// Webhook signatures
// ---------------------------------------------------------------------------------------------
function headerGetter(headers) {
  if (headers && typeof headers.get === 'function') return (name) => headers.get(name) ?? undefined;
  const lower = {};
  for (const [key, value] of Object.entries(headers || {})) lower[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return (name) => lower[name.toLowerCase()];
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `X-Kizuna-Signature` value for a body: `sha256=<hex HMAC-SHA256>`. */
export function signKizuna(secret, body) {
  return 'sha256=' + createHmac('sha256', Buffer.from(secret)).update(Buffer.from(body)).digest('hex');
}

/** One Standard Webhooks signature entry: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signStandard(secret, id, timestamp, body) {
  const mac = createHmac('sha256', Buffer.from(secret));
  mac.update(`${id}.${timestamp}.`);
  mac.update(Buffer.from(body));
  return 'v1,' + mac.digest('base64');
}

/**
 * True when a webhook delivery is signed with `secret`. `body` is the raw body (string or bytes).
 * Every scheme present must match: `X-Kizuna-Signature`, and the Standard Webhooks trio
 * (`webhook-id`, `webhook-timestamp` within ±tolerance seconds, `webhook-signature` with one or more
 * space-separated `v1,` entries). No signature at all → false.
 */
export function verifySignature(secret, body, headers, { tolerance = 300, now } = {}) {
  const get = headerGetter(headers);
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  let checked = false;
  const kizuna = get('x-kizuna-signature');
  if (kizuna != null) {
    if (!safeEqual(signKizuna(secret, raw), String(kizuna).trim())) return false;
    checked = true;
  }
  const standard = get('webhook-signature');
  if (standard != null) {
    const id = get('webhook-id');
    const timestamp = String(get('webhook-timestamp') ?? '').trim();
    if (!id || !/^\d+$/.test(timestamp)) return false;
    const current = now ?? Date.now() / 1000;
    if (Math.abs(current - Number(timestamp)) > tolerance) return false;
    const expected = signStandard(secret, id, timestamp, raw);
    const entries = String(standard).split(/\s+/).filter((entry) => entry.startsWith('v1,'));
    if (!entries.some((entry) => safeEqual(expected, entry))) return false;
    checked = true;
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------
class Group {
  constructor(client) { this._client = client; }
  _repo(org, repo) { return `/repos/${seg(org)}/${seg(repo)}`; }
  _get(path, params) { return this._client.request('GET', path, { params }); }
  _post(path, json) { return this._client.request('POST', path, { json }); }
  _patch(path, json) { return this._client.request('PATCH', path, { json }); }
  _put(path, json) { return this._client.request('PUT', path, { json }); }
  _delete(path, json) { return this._client.request('DELETE', path, json === undefined ? {} : { json }); }
  _page(path, params) { return this._client.paginate(path, params); }
}

class Orgs extends Group {
  get(org) { return this._get(`/orgs/${seg(org)}`); }
  create(body) { return this._post('/orgs', typeof body === 'string' ? { login: body } : compact(body)); }
  members(org, params) { return this._page(`/orgs/${seg(org)}/members`, params); }
  setMember(org, login, role) { return this._put(`/orgs/${seg(org)}/members/${seg(login)}`, { role }); }
  removeMember(org, login) { return this._delete(`/orgs/${seg(org)}/members/${seg(login)}`); }
}

class Repos extends Group {
  list(org, params) { return this._page(`/repos/${seg(org)}`, params); }
  iter(org, params) { return this.list(org, params); }
  get(org, repo) { return this._get(this._repo(org, repo)); }
  create(org, body) { return this._post(`/repos/${seg(org)}`, typeof body === 'string' ? { name: body } : compact(body)); }
  update(org, repo, fields) { return this._patch(this._repo(org, repo), fields); }
  delete(org, repo) { return this._delete(this._repo(org, repo)); }
  branches(org, repo, params) { return this._page(`${this._repo(org, repo)}/branches`, params); }
  branch(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}`); }
  commits(org, repo, params) { return this._page(`${this._repo(org, repo)}/commits`, params); }
  commit(org, repo, sha) { return this._get(`${this._repo(org, repo)}/commits/${seg(sha)}`); }
  contents(org, repo, path = '', { ref } = {}) {
    const tail = String(path).replace(/^\/+|\/+$/g, '') ? `/${subpath(path)}` : '';
    return this._get(`${this._repo(org, repo)}/contents${tail}`, { ref });
  }
}

class Issues extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/issues`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/issues/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/issues`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/issues/${seg(number)}`, fields); }
  addLabels(org, repo, number, labels) { return this._post(`${this._repo(org, repo)}/issues/${seg(number)}/labels`, { labels }); }
  setLabels(org, repo, number, labels) { return this._put(`${this._repo(org, repo)}/issues/${seg(number)}/labels`, { labels }); }
  removeLabel(org, repo, number, name) { return this._delete(`${this._repo(org, repo)}/issues/${seg(number)}/labels/${seg(name)}`); }
}

const commentBody = (body) => (typeof body === 'string' ? { body } : body);

class Comments extends Group {
  list(org, repo, number, params) { return this._page(`${this._repo(org, repo)}/issues/${seg(number)}/comments`, params); }
  iter(org, repo, number, params) { return this.list(org, repo, number, params); }
  create(org, repo, number, body) { return this._post(`${this._repo(org, repo)}/issues/${seg(number)}/comments`, commentBody(body)); }
  update(org, repo, id, body) { return this._patch(`${this._repo(org, repo)}/issues/comments/${seg(id)}`, commentBody(body)); }
  delete(org, repo, id) { return this._delete(`${this._repo(org, repo)}/issues/comments/${seg(id)}`); }
}

class Labels extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/labels`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  get(org, repo, name) { return this._get(`${this._repo(org, repo)}/labels/${seg(name)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/labels`, compact(body)); }
  update(org, repo, name, fields) { return this._patch(`${this._repo(org, repo)}/labels/${seg(name)}`, fields); }
  delete(org, repo, name) { return this._delete(`${this._repo(org, repo)}/labels/${seg(name)}`); }
}

class Milestones extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/milestones`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/milestones/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/milestones`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/milestones/${seg(number)}`, fields); }
  delete(org, repo, number) { return this._delete(`${this._repo(org, repo)}/milestones/${seg(number)}`); }
}

class Pulls extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/pulls`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/pulls/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/pulls`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/pulls/${seg(number)}`, fields); }
  ready(org, repo, number) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/ready`); }
  merge(org, repo, number, options = {}) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/merge`, compact(options)); }
  comments(org, repo, number, params) { return this._page(`${this._repo(org, repo)}/pulls/${seg(number)}/comments`, params); }
  createComment(org, repo, number, body) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/comments`, commentBody(body)); }
  // Reviews (docs/api.md §16)
  reviews(org, repo, number, params) { return this._page(`${this._repo(org, repo)}/pulls/${seg(number)}/reviews`, params); }
  /** Submit a review: `event` is APPROVE, REQUEST_CHANGES or COMMENT (the last two need a body). */
  review(org, repo, number, event, { body, commit_id: commitId } = {}) {
    return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/reviews`, compact({ event, body, commit_id: commitId }));
  }
  getReview(org, repo, number, reviewId) { return this._get(`${this._repo(org, repo)}/pulls/${seg(number)}/reviews/${seg(reviewId)}`); }
  dismissReview(org, repo, number, reviewId, message) {
    return this._put(`${this._repo(org, repo)}/pulls/${seg(number)}/reviews/${seg(reviewId)}/dismissals`, { message });
  }
  requestReviewers(org, repo, number, reviewers) {
    return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/requested_reviewers`, { reviewers: [...reviewers] });
  }
  requestedReviewers(org, repo, number) { return this._get(`${this._repo(org, repo)}/pulls/${seg(number)}/requested_reviewers`); }
  removeRequestedReviewers(org, repo, number, reviewers) {
    return this._delete(`${this._repo(org, repo)}/pulls/${seg(number)}/requested_reviewers`, { reviewers: [...reviewers] });
  }
}

class Branches extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/branches`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  get(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}`); }
  /** The branch's protection rule (NotFoundError when it has none). */
  protection(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`); }
  /** Replace the rule; omitted fields take their defaults (0, false, null). */
  protect(org, repo, branch, rule = {}) { return this._put(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`, rule); }
  unprotect(org, repo, branch) { return this._delete(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`); }
}

class Agents extends Group {
  list(params) { return this._page('/agents', params); }
  iter(params) { return this.list(params); }
  register(body) { return this._post('/agents', compact(body)); }
  get(id) { return this._get(`/agents/${seg(id)}`); }
  update(id, fields) { return this._patch(`/agents/${seg(id)}`, fields); }
  rotateToken(id) { return this._post(`/agents/${seg(id)}/tokens`); }
  events(id, params) { return this._page(`/agents/${seg(id)}/events`, params); }
}

class Pipelines extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/pipelines`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  trigger(org, repo, body = {}) { return this._post(`${this._repo(org, repo)}/pipelines`, compact(body)); }
  get(org, repo, id) { return this._get(`${this._repo(org, repo)}/pipelines/${seg(id)}`); }
  cancel(org, repo, id) { return this._post(`${this._repo(org, repo)}/pipelines/${seg(id)}/cancel`); }
  async log(org, repo, id, jobId, { offset } = {}) {
    const headers = { accept: 'text/plain' };
    if (offset) headers.range = `bytes=${Number(offset)}-`;
    const text = await this._client.request('GET', `${this._repo(org, repo)}/pipelines/${seg(id)}/jobs/${seg(jobId)}/log`, { headers });
    return text ?? '';
  }
}

class Webhooks extends Group {
  /** Repository hooks: (org, repo, …); organisation hooks: (org, null, …). */
  _base(org, repo) { return repo ? `${this._repo(org, repo)}/webhooks` : `/orgs/${seg(org)}/webhooks`; }
  list(org, repo = null, params) { return this._page(this._base(org, repo), params); }
  iter(org, repo = null, params) { return this.list(org, repo, params); }
  create(org, repo, body) {
    if (repo && typeof repo === 'object') { body = repo; repo = null; }
    return this._post(this._base(org, repo), { content_type: 'json', ...compact(body) });
  }
  get(org, repo, id) { return this._get(`${this._base(org, repo)}/${seg(id)}`); }
  update(org, repo, id, fields) { return this._patch(`${this._base(org, repo)}/${seg(id)}`, fields); }
  delete(org, repo, id) { return this._delete(`${this._base(org, repo)}/${seg(id)}`); }
  ping(org, repo, id) { return this._post(`${this._base(org, repo)}/${seg(id)}/ping`); }
  deliveries(org, repo, id, params) { return this._page(`${this._base(org, repo)}/${seg(id)}/deliveries`, params); }
  delivery(org, repo, id, deliveryId) { return this._get(`${this._base(org, repo)}/${seg(id)}/deliveries/${seg(deliveryId)}`); }
  redeliver(org, repo, id, deliveryId) { return this._post(`${this._base(org, repo)}/${seg(id)}/deliveries/${seg(deliveryId)}/redeliver`); }
}

class Events extends Group {
  list(org, repo, params) { return this._page(`${this._repo(org, repo)}/events`, params); }
  iter(org, repo, params) { return this.list(org, repo, params); }
  /**
   * Server-Sent Events as an async iterator that reconnects and resumes with Last-Event-ID.
   * stream(org, repo, options) for one repository; stream(options) for /user/events/stream.
   */
  stream(org, repo, options = {}) {
    if (org && typeof org === 'object') { options = org; org = undefined; repo = undefined; }
    if ((org == null) !== (repo == null)) throw new TypeError('pass both org and repo, or neither');
    const path = org != null ? `${this._repo(org, repo)}/events/stream` : '/user/events/stream';
    return streamEvents(this._client, path, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------
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

  /** A lazy list over every item of the list endpoint at `path`. */
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

export default KizunaClient;

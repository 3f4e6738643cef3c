// Pagination: a lazy walk over every page of a list endpoint (docs/api.md §4).
import { KizunaError } from './errors.js';
import { parseLink } from './headers.js';

/**
 * Every item of a list endpoint, fetched lazily page by page (following `Link: rel="next"`).
 * `for await (const item of list)` fetches a page only when the loop reaches it; `.all()` fetches
 * every page into one array. Deliberately not thenable: `await list` is the PageList itself and
 * fetches nothing, so a whole listing is never downloaded by accident.
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
}

// Server-Sent Events: parsing frames, and a stream that reconnects and resumes (docs/api.md §13).
import { KizunaConnectionError, KizunaError, errorFromResponse, parseRetryAfter } from './errors.js';

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

export async function* streamEvents(client, path, { lastEventId = null, maxReconnects = null, readTimeout = 45000, signal } = {}) {
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

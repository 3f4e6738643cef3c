// Webhook signatures: X-Kizuna-Signature and Standard Webhooks (docs/api.md §12).
import { createHmac, timingSafeEqual } from 'node:crypto';

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

// Building requests: path segments and query parameters.

export const seg = (value) => encodeURIComponent(String(value));
export const subpath = (value) => String(value).replace(/^\/+|\/+$/g, '').split('/').map(encodeURIComponent).join('/');

function queryValue(value) {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

export function cleanParams(params = {}) {
  const out = {};
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null) continue;
    out[key === 'perPage' ? 'per_page' : key] = queryValue(value);
  }
  return out;
}

export function withPerPage(params) {
  const clean = cleanParams(params);
  if (!('per_page' in clean)) clean.per_page = '100';
  return clean;
}

export function compact(obj) {
  const out = {};
  for (const [key, value] of Object.entries(obj || {})) if (value !== undefined) out[key] = value;
  return out;
}


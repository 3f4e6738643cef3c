// Errors: the KizunaError classes, and reading one from an error response (docs/api.md §2).

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

export async function errorFromResponse(response, method) {
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

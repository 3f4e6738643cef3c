// @kizuna/sdk — a dependency-free client for the Kizuna REST API v1 (docs/api.md §15). Node >= 20.
// The public surface only; each concern lives in its own module.
export { API_VERSION, KizunaClient, KizunaClient as default, VERSION } from './client.js';
export {
  ConflictError, ForbiddenError, GoneError, KizunaConnectionError, KizunaError, KizunaTimeoutError, NotFoundError,
  NotMergeableError, RateLimitedError, ServerError, UnauthorizedError, ValidationError, parseRetryAfter,
} from './errors.js';
export { deprecationFrom } from './deprecations.js';
export { parseLink } from './headers.js';
export { PageList } from './pagination.js';
export { parseFrames } from './sse.js';
export { signKizuna, signStandard, verifySignature } from './webhook-signatures.js';

// Type definitions for @kizuna/sdk 0.1.0 (Kizuna REST API v1).

export const VERSION: string;
export const API_VERSION: 'v1';

// ---- results ----------------------------------------------------------------------------------
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
export interface Actor { id: number | string; login: string; type: 'User' | 'Agent' | 'Deploy' | string; }
export interface User extends Actor { name: string; email: string; site_admin: boolean; created_at: string; [key: string]: JSONValue | undefined; }
export interface Token { id: number; name: string; hint: string; scopes: string[]; token?: string; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null; [key: string]: any; }
export interface Organization { id: number; login: string; name: string; description: string; type: 'Organization'; created_at: string; url: string; }
export interface Member { login: string; type: string; role: 'read' | 'write' | 'maintain' | 'admin'; }
export interface Repository {
  id: number; name: string; full_name: string; owner: { login: string; type: string };
  description: string; visibility: 'public' | 'private'; private: boolean; default_branch: string;
  archived: boolean; open_issues_count: number; open_pulls_count: number; clone_url: string; url: string;
  created_at: string; updated_at: string; pushed_at: string | null; [key: string]: any;
}
export interface Branch { name: string; commit: { sha: string }; protected: boolean; }
export interface GitPerson { name: string; email: string; date: string; }
export interface Commit {
  sha: string; message: string; author: GitPerson; committer: GitPerson; parents: string[];
  /** Single commits only. */
  stats?: { additions: number; deletions: number; total: number };
  /** Single commits only. */
  files?: { filename: string; status: string; additions: number; deletions: number; previous_filename?: string }[];
}
export interface Content { type: 'file' | 'dir' | string; name: string; path: string; sha: string; size: number; encoding?: 'base64'; content?: string; [key: string]: any; }
export interface Label { id: number; name: string; color: string; description: string; }
export interface Milestone { id: number; number: number; title: string; description: string; state: 'open' | 'closed'; due_on: string | null; open_issues: number; closed_issues: number; created_at: string; updated_at: string; closed_at: string | null; url: string; }
export interface Issue {
  id: number; number: number; title: string; body: string; state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null; labels: Label[]; assignees: Actor[];
  milestone: Pick<Milestone, 'number' | 'title' | 'state' | 'due_on'> | null; author: Actor; comments: number;
  created_at: string; updated_at: string; closed_at: string | null; closed_by: Actor | null; url: string;
}
export interface Comment { id: number; body: string; author: Actor; created_at: string; updated_at: string; url: string; }
export interface PullRequest {
  id: number; number: number; title: string; body: string; state: 'open' | 'closed'; draft: boolean;
  merged: boolean; mergeable: boolean | null; head: { ref: string; sha: string }; base: { ref: string; sha: string };
  author: Actor; labels: Label[]; assignees: Actor[]; commits: number; additions: number; deletions: number;
  changed_files: number; merged_at: string | null; merged_by: Actor | null; merge_commit_sha: string | null;
  created_at: string; updated_at: string; closed_at: string | null; url: string;
  mergeable_state: 'clean' | 'blocked' | 'dirty' | 'unknown'; requested_reviewers: Actor[];
  mergeable_state_details: { unmet: UnmetRule[]; codeowners_errors: { path: string | null; line: number | null; message: string }[] };
}
export interface UnmetRule { rule: 'required_approving_review_count' | 'require_code_owner_reviews' | 'require_pipeline'; required: any; actual: any; [key: string]: any; }
export interface Review { id: number; user: Actor; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED'; body: string; commit_id: string; submitted_at: string; }
export interface BranchProtection {
  required_approving_review_count: number; dismiss_stale_reviews: boolean; require_code_owner_reviews: boolean;
  require_pipeline: boolean; require_pull_request: boolean; allow_force_pushes: boolean; allow_deletions: boolean;
  agent_approval_min_trust: 0 | 1 | 2 | 3 | 4 | null;
}
export interface MergeResult { merged: boolean; sha: string; message: string; }
export interface Agent {
  id: string; name: string; description: string; operator: Actor; model_family: string; model_version: string;
  capabilities: string[]; trust_level: 0 | 1 | 2 | 3 | 4; trust_level_name: string; reputation_score: number;
  status: 'active' | 'suspended'; created_at: string; updated_at: string; last_seen_at: string | null;
  last_audited: string | null; url: string; token?: string; [key: string]: any;
}
export interface Job { id: number; name: string; status: string; needs: string[]; agent: Actor | null; attempt: number; exit_code: number | null; started_at: string | null; finished_at: string | null; log_url: string; }
export interface Pipeline {
  id: number; number: number; status: 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';
  ref: string; sha: string; trigger: 'api' | 'push' | 'pull_request'; triggered_by: Actor; variables: string[];
  created_at: string; started_at: string | null; finished_at: string | null; duration_seconds: number | null;
  jobs: Job[]; url: string;
}
export interface Webhook {
  id: number; type: 'Repository' | 'Organization' | string; url: string; content_type: 'json'; events: string[]; active: boolean;
  has_secret: boolean; repository: string | null; organization: string | null; last_success_at: string | null;
  deactivated_at: string | null; created_at: string; updated_at: string; [key: string]: any;
}
export interface Delivery {
  id: number; guid: string; event: string; action: string | null; redelivery: boolean; state: 'pending' | 'succeeded' | 'failed';
  attempt: number; status_code: number | null; success: boolean | null; duration_ms: number | null; delivered_at: string | null;
  next_attempt_at: string | null; created_at: string;
  /** A single delivery (webhooks.delivery) only. */
  error?: string;
  /** A single delivery only: the headers and raw body sent. */
  request?: { headers: Record<string, string>; payload: Record<string, any> | null; body: string };
  /** A single delivery only: the receiver's answer (first 64 KiB). */
  response?: { headers: Record<string, string>; body: string };
  [key: string]: any;
}
export interface Event { id: number; type: string; repository: { id: number; name: string; full_name: string; url?: string } | null; actor: Actor; on_behalf_of: Actor | null; payload: Record<string, any>; created_at: string; }
export interface RateLimit { limit: number; remaining: number; reset: number; used: number | null; resource: string | null; }

// ---- errors -----------------------------------------------------------------------------------
export interface KizunaErrorOptions { status?: number | null; code?: string; details?: Record<string, any>; requestId?: string | null; response?: Response | null; cause?: unknown; }
export class KizunaError extends Error {
  constructor(message: string, options?: KizunaErrorOptions);
  /** HTTP status, or null when no answer arrived (connection errors, timeouts). */
  status: number | null;
  code: string;
  details: Record<string, any>;
  requestId: string | null;
  response: Response | null;
  /** `Name: status CODE: message (request_id=…)`. */
  toString(): string;
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
/** 410: a version, operation or parameter past its sunset date. */
export class GoneError extends KizunaError {}

/** A deprecation the server announced (`Deprecation`, `Sunset`, `Link rel="deprecation"`). */
export interface DeprecationNotice {
  method: string;
  /** The path called, relative to /api/v1, without the query. */
  path: string;
  deprecatedAt: Date | null;
  /** The `Sunset` HTTP-date: from then on the call answers 410 GONE. */
  sunset: string | null;
  /** Notes URLs (`Link: <…>; rel="deprecation"`). */
  links: string[];
}
export function deprecationFrom(method: string, path: string, headers: Headers): DeprecationNotice | null;
export class RateLimitedError extends KizunaError {
  constructor(message: string, options?: KizunaErrorOptions & { retryAfter?: number | null });
  /** Seconds, from Retry-After. */
  retryAfter: number | null;
}

// ---- pagination -------------------------------------------------------------------------------
/**
 * Lazy over every page of a list endpoint: `for await (const x of pages)` fetches a page only when the
 * loop reaches it; `all()` fetches every page. Not thenable: `await pages` is the PageList itself.
 */
export class PageList<T> implements AsyncIterable<T> {
  /** X-Total-Count, once a page has been fetched. */
  totalCount: number | null;
  pages(): AsyncGenerator<T[], void, unknown>;
  all(): Promise<T[]>;
  first(): Promise<T | null>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

export type Params = Record<string, string | number | boolean | string[] | null | undefined> & { per_page?: number; perPage?: number; page?: number };

// ---- resources --------------------------------------------------------------------------------
export interface Orgs {
  get(org: string): Promise<Organization>;
  create(body: string | { login: string; name?: string; description?: string }): Promise<Organization>;
  members(org: string, params?: Params): Promise<Member[]>;
  setMember(org: string, login: string, role: Member['role']): Promise<Member>;
  removeMember(org: string, login: string): Promise<null>;
}
export interface Repos {
  list(org: string, params?: Params & { visibility?: 'public' | 'private' | 'all'; sort?: 'created' | 'updated' | 'pushed' | 'name'; direction?: 'asc' | 'desc' }): Promise<Repository[]>;
  iter(org: string, params?: Params): PageList<Repository>;
  get(org: string, repo: string): Promise<Repository>;
  create(org: string, body: string | { name: string; description?: string; visibility?: 'public' | 'private'; default_branch?: string; auto_init?: boolean }): Promise<Repository>;
  update(org: string, repo: string, fields: Partial<{ name: string; description: string; visibility: 'public' | 'private'; default_branch: string; archived: boolean }>): Promise<Repository>;
  delete(org: string, repo: string): Promise<null>;
  branches(org: string, repo: string, params?: Params): Promise<Branch[]>;
  branch(org: string, repo: string, branch: string): Promise<Branch>;
  commits(org: string, repo: string, params?: Params & { sha?: string; path?: string }): Promise<Commit[]>;
  commit(org: string, repo: string, sha: string): Promise<Commit>;
  contents(org: string, repo: string, path?: string, options?: { ref?: string }): Promise<Content | Content[]>;
}
export interface IssueCreate { title: string; body?: string; labels?: string[]; assignees?: string[]; assignee?: string; milestone?: number; }
export interface IssueUpdate { title?: string; body?: string; state?: 'open' | 'closed'; state_reason?: 'completed' | 'not_planned' | 'reopened'; labels?: string[]; assignees?: string[]; assignee?: string; milestone?: number | null; }
export interface Issues {
  list(org: string, repo: string, params?: Params & { state?: 'open' | 'closed' | 'all'; labels?: string | string[]; assignee?: string; creator?: string; milestone?: number | string; since?: string; sort?: 'created' | 'updated' | 'comments'; direction?: 'asc' | 'desc' }): Promise<Issue[]>;
  iter(org: string, repo: string, params?: Params): PageList<Issue>;
  get(org: string, repo: string, number: number): Promise<Issue>;
  create(org: string, repo: string, body: IssueCreate): Promise<Issue>;
  update(org: string, repo: string, number: number, fields: IssueUpdate): Promise<Issue>;
  addLabels(org: string, repo: string, number: number, labels: string[]): Promise<Label[]>;
  setLabels(org: string, repo: string, number: number, labels: string[]): Promise<Label[]>;
  removeLabel(org: string, repo: string, number: number, name: string): Promise<Label[]>;
}
export interface Comments {
  list(org: string, repo: string, number: number, params?: Params): Promise<Comment[]>;
  iter(org: string, repo: string, number: number, params?: Params): PageList<Comment>;
  create(org: string, repo: string, number: number, body: string | { body: string }): Promise<Comment>;
  update(org: string, repo: string, id: number, body: string | { body: string }): Promise<Comment>;
  delete(org: string, repo: string, id: number): Promise<null>;
}
export interface Labels {
  list(org: string, repo: string, params?: Params): Promise<Label[]>;
  iter(org: string, repo: string, params?: Params): PageList<Label>;
  get(org: string, repo: string, name: string): Promise<Label>;
  create(org: string, repo: string, body: { name: string; color: string; description?: string }): Promise<Label>;
  update(org: string, repo: string, name: string, fields: Partial<{ name: string; color: string; description: string }>): Promise<Label>;
  delete(org: string, repo: string, name: string): Promise<null>;
}
export interface Milestones {
  list(org: string, repo: string, params?: Params & { state?: 'open' | 'closed' | 'all' }): Promise<Milestone[]>;
  iter(org: string, repo: string, params?: Params): PageList<Milestone>;
  get(org: string, repo: string, number: number): Promise<Milestone>;
  create(org: string, repo: string, body: { title: string; description?: string; due_on?: string; state?: 'open' | 'closed' }): Promise<Milestone>;
  update(org: string, repo: string, number: number, fields: Partial<{ title: string; description: string; due_on: string | null; state: 'open' | 'closed' }>): Promise<Milestone>;
  delete(org: string, repo: string, number: number): Promise<null>;
}
export interface Pulls {
  list(org: string, repo: string, params?: Params & { state?: 'open' | 'closed' | 'all'; head?: string; base?: string; author?: string; draft?: boolean; labels?: string | string[]; sort?: 'created' | 'updated'; direction?: 'asc' | 'desc' }): Promise<PullRequest[]>;
  iter(org: string, repo: string, params?: Params): PageList<PullRequest>;
  get(org: string, repo: string, number: number): Promise<PullRequest>;
  create(org: string, repo: string, body: { title: string; head: string; base?: string; body?: string; draft?: boolean }): Promise<PullRequest>;
  update(org: string, repo: string, number: number, fields: Partial<{ title: string; body: string; state: 'open' | 'closed'; base: string; labels: string[]; assignees: string[] }>): Promise<PullRequest>;
  ready(org: string, repo: string, number: number): Promise<PullRequest>;
  merge(org: string, repo: string, number: number, options?: { merge_method?: 'merge' | 'squash' | 'rebase'; sha?: string; commit_title?: string; commit_message?: string }): Promise<MergeResult>;
  comments(org: string, repo: string, number: number, params?: Params): Promise<Comment[]>;
  createComment(org: string, repo: string, number: number, body: string | { body: string }): Promise<Comment>;
  reviews(org: string, repo: string, number: number, params?: Params): Promise<Review[]>;
  review(org: string, repo: string, number: number, event: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT', options?: { body?: string; commit_id?: string }): Promise<Review>;
  getReview(org: string, repo: string, number: number, reviewId: number): Promise<Review>;
  dismissReview(org: string, repo: string, number: number, reviewId: number, message: string): Promise<Review>;
  requestReviewers(org: string, repo: string, number: number, reviewers: string[]): Promise<PullRequest>;
  requestedReviewers(org: string, repo: string, number: number): Promise<Actor[]>;
  removeRequestedReviewers(org: string, repo: string, number: number, reviewers: string[]): Promise<null>;
}
export interface Branches {
  list(org: string, repo: string, params?: Params): Promise<Branch[]>;
  iter(org: string, repo: string, params?: Params): PageList<Branch>;
  get(org: string, repo: string, branch: string): Promise<Branch>;
  protection(org: string, repo: string, branch: string): Promise<BranchProtection>;
  protect(org: string, repo: string, branch: string, rule?: Partial<BranchProtection>): Promise<BranchProtection>;
  unprotect(org: string, repo: string, branch: string): Promise<null>;
}
export interface Agents {
  list(params?: Params & { capability?: string; trust_level?: number; model_family?: string; status?: 'active' | 'suspended' }): Promise<Agent[]>;
  iter(params?: Params): PageList<Agent>;
  register(body: { name: string; model_family: string; model_version: string; description?: string; capabilities?: string[]; trust_level?: number }): Promise<Agent & { token: string }>;
  get(id: string): Promise<Agent>;
  update(id: string, fields: Partial<{ description: string; capabilities: string[]; trust_level: number; status: 'active' | 'suspended' }>): Promise<Agent>;
  rotateToken(id: string): Promise<{ token: string; [key: string]: any }>;
  events(id: string, params?: Params): Promise<Event[]>;
}
export interface Pipelines {
  list(org: string, repo: string, params?: Params & { status?: string; ref?: string; sha?: string; trigger?: 'api' | 'push' | 'pull_request' }): Promise<Pipeline[]>;
  iter(org: string, repo: string, params?: Params): PageList<Pipeline>;
  trigger(org: string, repo: string, body?: { ref?: string; variables?: Record<string, string> }): Promise<Pipeline>;
  get(org: string, repo: string, id: number): Promise<Pipeline>;
  cancel(org: string, repo: string, id: number): Promise<Pipeline | null>;
  log(org: string, repo: string, id: number, jobId: number, options?: { offset?: number }): Promise<string>;
}
export interface WebhookCreate { url: string; events: string[]; secret?: string; content_type?: 'json'; active?: boolean; }
/** Repository hooks take (org, repo, …); organisation hooks (org, null, …). */
export interface Webhooks {
  list(org: string, repo?: string | null, params?: Params): Promise<Webhook[]>;
  iter(org: string, repo?: string | null, params?: Params): PageList<Webhook>;
  create(org: string, body: WebhookCreate): Promise<Webhook>;
  create(org: string, repo: string | null, body: WebhookCreate): Promise<Webhook>;
  get(org: string, repo: string | null, id: number): Promise<Webhook>;
  update(org: string, repo: string | null, id: number, fields: Partial<WebhookCreate>): Promise<Webhook>;
  delete(org: string, repo: string | null, id: number): Promise<null>;
  ping(org: string, repo: string | null, id: number): Promise<any>;
  deliveries(org: string, repo: string | null, id: number, params?: Params): Promise<Delivery[]>;
  delivery(org: string, repo: string | null, id: number, deliveryId: number): Promise<Delivery>;
  redeliver(org: string, repo: string | null, id: number, deliveryId: number): Promise<any>;
}
export interface StreamOptions { lastEventId?: number | string | null; maxReconnects?: number | null; readTimeout?: number; signal?: AbortSignal; }
export interface Events {
  list(org: string, repo: string, params?: Params & { type?: string; actor?: string; after_id?: number }): Promise<Event[]>;
  iter(org: string, repo: string, params?: Params): PageList<Event>;
  /** SSE of one repository, reconnecting and resuming with Last-Event-ID. */
  stream(org: string, repo: string, options?: StreamOptions): AsyncGenerator<Event, void, unknown>;
  /** SSE of every repository the caller can read (/user/events/stream). */
  stream(options?: StreamOptions): AsyncGenerator<Event, void, unknown>;
}

// ---- client -----------------------------------------------------------------------------------
export interface KizunaClientOptions {
  /** The server's root, e.g. 'https://kizuna.example.com' (a trailing /api/v1 is accepted). */
  baseUrl: string;
  /** kzp_… (personal), kza_… (agent) or kzd_… (deploy); omit for anonymous reads. */
  token?: string | null;
  /** Per-request timeout in milliseconds (default 30000). */
  timeout?: number;
  /** Retries of idempotent requests on 429/5xx (default 3). */
  maxRetries?: number;
  /** false turns retries off (default true). */
  retry?: boolean;
  /** Longest wait before a retry, in ms (default 60000); a longer Retry-After is raised at once. */
  maxRetryWait?: number;
  /** First backoff in ms when the server sends no Retry-After (doubles each retry; default 500). */
  backoff?: number;
  userAgent?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}
export interface RequestOptions { params?: Params; json?: unknown; body?: BodyInit; headers?: Record<string, string>; }

export class KizunaClient {
  constructor(options: KizunaClientOptions);
  readonly baseUrl: string;
  readonly apiUrl: string;
  token: string | null;
  /** The options of the same names (KizunaClientOptions), as given or defaulted. */
  timeout: number;
  maxRetries: number;
  retry: boolean;
  maxRetryWait: number;
  backoff: number;
  /** X-RateLimit-* of the last response. */
  rateLimit: RateLimit | null;
  lastResponse: Response | null;
  /** Each deprecation announced on this client's calls, once; each also emitted a process warning
   * (`process.emitWarning`, type `DeprecationWarning`, code `KIZUNA_DEPRECATED`). */
  deprecations: DeprecationNotice[];
  orgs: Orgs;
  repos: Repos;
  issues: Issues;
  comments: Comments;
  labels: Labels;
  milestones: Milestones;
  pulls: Pulls;
  branches: Branches;
  agents: Agents;
  pipelines: Pipelines;
  webhooks: Webhooks;
  events: Events;
  /** Any endpoint; `path` is relative to /api/v1 (e.g. '/user'). */
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<T>;
  paginate<T = any>(path: string, params?: Params): PageList<T>;
}
export default KizunaClient;

// ---- webhooks and helpers ---------------------------------------------------------------------
export type HeaderLike = Headers | Record<string, string | string[] | undefined>;
export function verifySignature(secret: string, body: string | Uint8Array, headers: HeaderLike, options?: { tolerance?: number; now?: number }): boolean;
export function signKizuna(secret: string, body: string | Uint8Array): string;
export function signStandard(secret: string, id: string, timestamp: number | string, body: string | Uint8Array): string;
export function parseLink(header: string | null | undefined): Record<string, string>;
export function parseRetryAfter(value: string | null | undefined): number | null;
export function parseFrames(lines: Iterable<string>): Generator<{ id?: string; event?: string; data?: string; retry?: number }>;

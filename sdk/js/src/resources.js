// The resource groups of a client (client.repos, client.issues, …): one method per endpoint (docs/api.md §15).
import { compact, seg, subpath } from './params.js';
import { streamEvents } from './sse.js';

class Group {
  constructor(client) { this._client = client; }
  _repo(org, repo) { return `/repos/${seg(org)}/${seg(repo)}`; }
  _get(path, params) { return this._client.request('GET', path, { params }); }
  _post(path, json) { return this._client.request('POST', path, { json }); }
  _patch(path, json) { return this._client.request('PATCH', path, { json }); }
  _put(path, json) { return this._client.request('PUT', path, { json }); }
  _delete(path, json) { return this._client.request('DELETE', path, json === undefined ? {} : { json }); }
  /** A lazy PageList: iterate it with `for await`, or `.all()`. */
  _page(path, params) { return this._client.paginate(path, params); }
  /** Every item of every page, as one array. */
  _all(path, params) { return this._page(path, params).all(); }
}

export class Orgs extends Group {
  get(org) { return this._get(`/orgs/${seg(org)}`); }
  create(body) { return this._post('/orgs', typeof body === 'string' ? { login: body } : compact(body)); }
  members(org, params) { return this._all(`/orgs/${seg(org)}/members`, params); }
  setMember(org, login, role) { return this._put(`/orgs/${seg(org)}/members/${seg(login)}`, { role }); }
  removeMember(org, login) { return this._delete(`/orgs/${seg(org)}/members/${seg(login)}`); }
}

export class Repos extends Group {
  list(org, params) { return this.iter(org, params).all(); }
  iter(org, params) { return this._page(`/repos/${seg(org)}`, params); }
  get(org, repo) { return this._get(this._repo(org, repo)); }
  create(org, body) { return this._post(`/repos/${seg(org)}`, typeof body === 'string' ? { name: body } : compact(body)); }
  update(org, repo, fields) { return this._patch(this._repo(org, repo), fields); }
  delete(org, repo) { return this._delete(this._repo(org, repo)); }
  branches(org, repo, params) { return this._all(`${this._repo(org, repo)}/branches`, params); }
  branch(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}`); }
  commits(org, repo, params) { return this._all(`${this._repo(org, repo)}/commits`, params); }
  commit(org, repo, sha) { return this._get(`${this._repo(org, repo)}/commits/${seg(sha)}`); }
  contents(org, repo, path = '', { ref } = {}) {
    const tail = String(path).replace(/^\/+|\/+$/g, '') ? `/${subpath(path)}` : '';
    return this._get(`${this._repo(org, repo)}/contents${tail}`, { ref });
  }
}

export class Issues extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/issues`, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/issues/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/issues`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/issues/${seg(number)}`, fields); }
  addLabels(org, repo, number, labels) { return this._post(`${this._repo(org, repo)}/issues/${seg(number)}/labels`, { labels }); }
  setLabels(org, repo, number, labels) { return this._put(`${this._repo(org, repo)}/issues/${seg(number)}/labels`, { labels }); }
  removeLabel(org, repo, number, name) { return this._delete(`${this._repo(org, repo)}/issues/${seg(number)}/labels/${seg(name)}`); }
}

const commentBody = (body) => (typeof body === 'string' ? { body } : body);

export class Comments extends Group {
  list(org, repo, number, params) { return this.iter(org, repo, number, params).all(); }
  iter(org, repo, number, params) { return this._page(`${this._repo(org, repo)}/issues/${seg(number)}/comments`, params); }
  create(org, repo, number, body) { return this._post(`${this._repo(org, repo)}/issues/${seg(number)}/comments`, commentBody(body)); }
  update(org, repo, id, body) { return this._patch(`${this._repo(org, repo)}/issues/comments/${seg(id)}`, commentBody(body)); }
  delete(org, repo, id) { return this._delete(`${this._repo(org, repo)}/issues/comments/${seg(id)}`); }
}

export class Labels extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/labels`, params); }
  get(org, repo, name) { return this._get(`${this._repo(org, repo)}/labels/${seg(name)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/labels`, compact(body)); }
  update(org, repo, name, fields) { return this._patch(`${this._repo(org, repo)}/labels/${seg(name)}`, fields); }
  delete(org, repo, name) { return this._delete(`${this._repo(org, repo)}/labels/${seg(name)}`); }
}

export class Milestones extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/milestones`, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/milestones/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/milestones`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/milestones/${seg(number)}`, fields); }
  delete(org, repo, number) { return this._delete(`${this._repo(org, repo)}/milestones/${seg(number)}`); }
}

export class Pulls extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/pulls`, params); }
  get(org, repo, number) { return this._get(`${this._repo(org, repo)}/pulls/${seg(number)}`); }
  create(org, repo, body) { return this._post(`${this._repo(org, repo)}/pulls`, compact(body)); }
  update(org, repo, number, fields) { return this._patch(`${this._repo(org, repo)}/pulls/${seg(number)}`, fields); }
  ready(org, repo, number) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/ready`); }
  merge(org, repo, number, options = {}) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/merge`, compact(options)); }
  comments(org, repo, number, params) { return this._all(`${this._repo(org, repo)}/pulls/${seg(number)}/comments`, params); }
  createComment(org, repo, number, body) { return this._post(`${this._repo(org, repo)}/pulls/${seg(number)}/comments`, commentBody(body)); }
  // Reviews (docs/api.md §16)
  reviews(org, repo, number, params) { return this._all(`${this._repo(org, repo)}/pulls/${seg(number)}/reviews`, params); }
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

export class Branches extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/branches`, params); }
  get(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}`); }
  /** The branch's protection rule (NotFoundError when it has none). */
  protection(org, repo, branch) { return this._get(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`); }
  /** Replace the rule; omitted fields take their defaults (0, false, null). */
  protect(org, repo, branch, rule = {}) { return this._put(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`, rule); }
  unprotect(org, repo, branch) { return this._delete(`${this._repo(org, repo)}/branches/${subpath(branch)}/protection`); }
}

export class Agents extends Group {
  list(params) { return this.iter(params).all(); }
  iter(params) { return this._page('/agents', params); }
  register(body) { return this._post('/agents', compact(body)); }
  get(id) { return this._get(`/agents/${seg(id)}`); }
  update(id, fields) { return this._patch(`/agents/${seg(id)}`, fields); }
  rotateToken(id) { return this._post(`/agents/${seg(id)}/tokens`); }
  events(id, params) { return this._all(`/agents/${seg(id)}/events`, params); }
}

export class Pipelines extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/pipelines`, params); }
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

export class Webhooks extends Group {
  /** Repository hooks: (org, repo, …); organisation hooks: (org, null, …). */
  _base(org, repo) { return repo ? `${this._repo(org, repo)}/webhooks` : `/orgs/${seg(org)}/webhooks`; }
  list(org, repo = null, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo = null, params) { return this._page(this._base(org, repo), params); }
  create(org, repo, body) {
    if (repo && typeof repo === 'object') { body = repo; repo = null; }
    return this._post(this._base(org, repo), { content_type: 'json', ...compact(body) });
  }
  get(org, repo, id) { return this._get(`${this._base(org, repo)}/${seg(id)}`); }
  update(org, repo, id, fields) { return this._patch(`${this._base(org, repo)}/${seg(id)}`, fields); }
  delete(org, repo, id) { return this._delete(`${this._base(org, repo)}/${seg(id)}`); }
  ping(org, repo, id) { return this._post(`${this._base(org, repo)}/${seg(id)}/ping`); }
  deliveries(org, repo, id, params) { return this._all(`${this._base(org, repo)}/${seg(id)}/deliveries`, params); }
  delivery(org, repo, id, deliveryId) { return this._get(`${this._base(org, repo)}/${seg(id)}/deliveries/${seg(deliveryId)}`); }
  redeliver(org, repo, id, deliveryId) { return this._post(`${this._base(org, repo)}/${seg(id)}/deliveries/${seg(deliveryId)}/redeliver`); }
}

export class Events extends Group {
  list(org, repo, params) { return this.iter(org, repo, params).all(); }
  iter(org, repo, params) { return this._page(`${this._repo(org, repo)}/events`, params); }
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

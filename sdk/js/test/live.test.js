// @kizuna/sdk against a real Kizuna server started by this test file (sdk/testing/live_server.py).
// Resources whose endpoints have not landed yet are skipped when (and only when) the server answers
// 404 for their route under the seeded repo; they run as soon as the route exists.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  ConflictError, ForbiddenError, KizunaClient, NotFoundError, NotMergeableError, RateLimitedError,
  UnauthorizedError, ValidationError, verifySignature,
} from '../src/index.js';
import { STRICT, gitPush, hasRoute, sleepRecorder, startServer, stubServer, unique } from '../testing/helpers.js';

let server;
before(async () => { server = await startServer(); }, { timeout: 180000 });
after(async () => { await server?.stop(); });

const clients = (who = 'alice', options = {}) => {
  const c = new KizunaClient({ baseUrl: options.baseUrl ?? server.url, token: server.tokens[who] ?? who, ...options });
  c._sleep = sleepRecorder();
  return c;
};

function skipMissing(t, message) {
  if (STRICT) assert.fail(`${message} (KIZUNA_SDK_STRICT is set: every endpoint must exist)`);
  t.skip(message);
  return false;
}

async function requireRoute(t, path) {
  if (!(await hasRoute(server, path))) return skipMissing(t, `the server has no GET /api/v1${path} yet (404): the endpoint has not landed`);
  return true;
}

async function requireGit(t) {
  const info = await fetch(`${server.url}/my-org/my-repo.git/info/refs?service=git-upload-pack`);
  await info.body?.cancel().catch(() => {});
  if (info.status === 404) return skipMissing(t, 'the server does not serve git over HTTP yet (404 on info/refs)');
  return true;
}

test('the seed example, verbatim (only the base URL swapped)', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/issues'))) return;
  process.env.KIZUNA_TOKEN = server.tokens.alice;
  process.env.KIZUNA_BASE_URL = server.url; // the seed says 'https://kizuna.example.com'
  const { repos, issue } = await import('../testing/seed-example.mjs'); // imports '@kizuna/sdk' by name
  assert.ok(Array.isArray(repos));
  assert.ok(repos.some((r) => r.full_name === 'my-org/my-repo'));
  assert.equal(issue.title, 'Bug report');
  assert.equal(issue.body, 'Something is broken');
  assert.equal(issue.state, 'open');
  assert.equal(issue.author.login, 'alice');
  const fetched = await clients().issues.get('my-org', 'my-repo', issue.number);
  assert.equal(fetched.id, issue.id);
});

test('request() reaches any endpoint; rateLimit follows the last response', async () => {
  const client = clients();
  const me = await client.request('GET', '/user');
  assert.equal(me.login, 'alice');
  const first = client.rateLimit;
  await client.request('GET', 'user');
  assert.equal(first.limit, 5000);
  assert.equal(client.rateLimit.remaining, first.remaining - 1);
});

test('repository CRUD', async () => {
  const client = clients();
  const name = unique('repo');
  const repo = await client.repos.create('my-org', { name, description: 'js', visibility: 'private' });
  assert.equal(repo.full_name, `my-org/${name}`);
  assert.equal(repo.private, true);
  assert.equal((await client.repos.get('my-org', name.toUpperCase())).id, repo.id);
  assert.equal((await client.repos.update('my-org', name, { description: 'changed' })).description, 'changed');
  assert.equal(await client.repos.delete('my-org', name), null);
  await assert.rejects(client.repos.get('my-org', name), NotFoundError);
});

test('pagination across several pages: list is an array, iter is lazy', async () => {
  const client = clients();
  const org = unique('jspages');
  await client.orgs.create({ login: org });
  const names = Array.from({ length: 5 }, () => unique('r')).sort();
  for (const name of names) await client.repos.create(org, { name });
  const all = await client.repos.list(org, { sort: 'name', direction: 'asc', per_page: 2 });
  assert.deepEqual(all.map((r) => r.name), names);
  const list = client.repos.iter(org, { sort: 'name', direction: 'asc', perPage: 2 });
  const pages = [];
  for await (const page of list.pages()) pages.push(page.length);
  assert.deepEqual(pages, [2, 2, 1]);
  assert.equal(list.totalCount, 5);
  const seen = [];
  for await (const repo of client.repos.iter(org, { sort: 'name', direction: 'asc', per_page: 2 })) {
    seen.push(repo.name);
    if (seen.length === 3) break; // stops early: the third page is never fetched
  }
  assert.deepEqual(seen, names.slice(0, 3));
});

test('orgs and members', async () => {
  const client = clients();
  const login = unique('org');
  const org = await client.orgs.create({ login, name: 'An org' });
  assert.equal(org.type, 'Organization');
  assert.equal((await client.orgs.get(login)).login, login);
  await client.orgs.setMember(login, 'bob', 'write');
  const members = await client.orgs.members(login, { per_page: 1 });
  assert.deepEqual(Object.fromEntries(members.map((m) => [m.login, m.role])), { alice: 'admin', bob: 'write' });
  await client.orgs.removeMember(login, 'bob');
  await assert.rejects(clients('bob').orgs.members(login), ForbiddenError);
});

test('every error class from the real server', async () => {
  const unauthorized = await clients('kzp_nope').request('GET', '/user').catch((e) => e);
  assert.ok(unauthorized instanceof UnauthorizedError);
  assert.equal(unauthorized.status, 401);
  assert.ok(unauthorized.requestId);

  const forbidden = await clients('alice_read').repos.create('my-org', { name: 'never' }).catch((e) => e);
  assert.ok(forbidden instanceof ForbiddenError);
  assert.equal(forbidden.code, 'FORBIDDEN');

  const name = unique('secret');
  await clients().repos.create('my-org', { name, visibility: 'private' });
  const notFound = await clients('bob').repos.get('my-org', name).catch((e) => e);
  assert.ok(notFound instanceof NotFoundError);
  assert.equal(notFound.status, 404);

  const invalid = await clients().repos.create('my-org', { name: 'my-repo' }).catch((e) => e);
  assert.ok(invalid instanceof ValidationError);
  assert.deepEqual(invalid.details, { name: ['already exists'] });
});

test('a real 429 gives RateLimitedError with retryAfter', async () => {
  const limited = clients('carol_limited', { baseUrl: server.limitedUrl, retry: false });
  for (let i = 0; i < server.limit; i += 1) await limited.request('GET', '/user');
  assert.equal(limited.rateLimit.remaining, 0);
  const err = await limited.request('GET', '/user').catch((e) => e);
  assert.ok(err instanceof RateLimitedError);
  assert.equal(err.status, 429);
  assert.equal(err.code, 'RATE_LIMITED');
  assert.ok(err.retryAfter > 0 && err.retryAfter <= 3600);
});

test('issues and comments', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/issues'))) return;
  const client = clients();
  const repo = unique('jsres');
  await client.repos.create('my-org', { name: repo, auto_init: true });
  const numbers = [];
  for (let i = 0; i < 3; i += 1) numbers.push((await client.issues.create('my-org', repo, { title: `i${i}` })).number);
  const listed = await client.issues.list('my-org', repo, { per_page: 1, sort: 'created', direction: 'asc' });
  assert.deepEqual(listed.map((i) => i.number), numbers);
  const closed = await client.issues.update('my-org', repo, numbers[0], { state: 'closed' });
  assert.equal(closed.state, 'closed');
  const labels = await client.issues.addLabels('my-org', repo, numbers[1], ['bug', 'documentation']);
  assert.deepEqual(labels.map((l) => l.name).sort(), ['bug', 'documentation']);
  assert.deepEqual((await client.issues.removeLabel('my-org', repo, numbers[1], 'bug')).map((l) => l.name), ['documentation']);
  const c = await client.comments.create('my-org', repo, numbers[2], 'hello');
  assert.equal((await client.comments.update('my-org', repo, c.id, 'edited')).body, 'edited');
  assert.deepEqual((await client.comments.list('my-org', repo, numbers[2])).map((x) => x.body), ['edited']);
  await client.comments.delete('my-org', repo, c.id);
});

test('labels', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/labels'))) return;
  const client = clients();
  const repo = unique('jslbl');
  await client.repos.create('my-org', { name: repo });
  assert.ok((await client.labels.list('my-org', repo, { per_page: 2 })).some((l) => l.name === 'good first issue'));
  await client.labels.create('my-org', repo, { name: 'js label', color: 'ff0000', description: 'd' });
  assert.equal((await client.labels.get('my-org', repo, 'js label')).color, 'ff0000');
  assert.equal((await client.labels.update('my-org', repo, 'js label', { color: '00ff00' })).color, '00ff00');
  await client.labels.delete('my-org', repo, 'js label');
  await assert.rejects(client.labels.get('my-org', repo, 'js label'), NotFoundError);
  await assert.rejects(client.labels.create('my-org', repo, { name: 'bad', color: '#zz' }), ValidationError);
});

test('milestones', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/milestones'))) return;
  const client = clients();
  const repo = unique('jsms');
  await client.repos.create('my-org', { name: repo });
  const m = await client.milestones.create('my-org', repo, { title: 'v1', due_on: '2027-01-01T00:00:00Z' });
  assert.equal(m.state, 'open');
  assert.equal((await client.milestones.get('my-org', repo, m.number)).title, 'v1');
  assert.equal((await client.milestones.update('my-org', repo, m.number, { state: 'closed' })).state, 'closed');
  assert.deepEqual((await client.milestones.list('my-org', repo, { state: 'closed' })).map((x) => x.number), [m.number]);
  await client.milestones.delete('my-org', repo, m.number);
  assert.deepEqual(await client.milestones.list('my-org', repo, { state: 'all' }), []);
});

test('git over HTTP; branches, commits, contents of what was pushed', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/branches'))) return;
  if (!(await requireGit(t))) return;
  const client = clients();
  const name = unique('jsgit');
  const repo = await client.repos.create('my-org', { name, auto_init: true });
  const sha = await gitPush(repo.clone_url, server.tokens.alice, 'topic/js', { 'src/a.txt': 'alpha\n' });
  const branches = await client.repos.branches('my-org', name, { per_page: 1 });
  assert.deepEqual(branches.map((b) => b.name).sort(), [repo.default_branch, 'topic/js'].sort());
  assert.equal((await client.repos.branch('my-org', name, 'topic/js')).commit.sha, sha);
  const commits = await client.repos.commits('my-org', name, { sha: 'topic/js' });
  assert.equal(commits.length, 2);
  assert.equal(commits[0].sha, sha);
  assert.deepEqual(commits[0].parents, [commits[1].sha]);
  assert.deepEqual((await client.repos.commit('my-org', name, sha)).files.map((f) => f.filename), ['src/a.txt']);
  const file = await client.repos.contents('my-org', name, 'src/a.txt', { ref: 'topic/js' });
  assert.equal(file.type, 'file');
  assert.equal(Buffer.from(file.content, 'base64').toString(), 'alpha\n');
});

test('agents', async (t) => {
  if (!(await requireRoute(t, '/agents'))) return;
  const client = clients();
  const name = unique('jsbot');
  const agent = await client.agents.register({ name, model_family: 'claude', model_version: '4', capabilities: ['ci'] });
  assert.match(agent.token, /^kza_/);
  assert.equal((await client.agents.get(agent.id)).name, name);
  assert.equal((await client.agents.update(agent.id, { trust_level: 2 })).trust_level, 2);
  const rotated = await client.agents.rotateToken(agent.id);
  assert.notEqual(rotated.token, agent.token);
  assert.ok((await client.agents.list()).some((a) => a.id === agent.id));
  assert.ok((await client.agents.events(agent.id)).length >= 1);
});

test('pulls: create, ready, merge, 409 and 405 (needs git over HTTP)', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/pulls'))) return;
  const client = clients();
  if (!(await requireGit(t))) return;
  const name = unique('jspr');
  const repo = await client.repos.create('my-org', { name, auto_init: true });
  const head = await gitPush(repo.clone_url, server.tokens.alice, 'feature/js', { 'js.txt': 'js\n' });
  const pr = await client.pulls.create('my-org', name, { title: 'JS', head: 'feature/js', draft: true });
  assert.equal(pr.draft, true);
  await assert.rejects(client.pulls.merge('my-org', name, pr.number), NotMergeableError);
  assert.equal((await client.pulls.ready('my-org', name, pr.number)).draft, false);
  const conflict = await client.pulls.merge('my-org', name, pr.number, { sha: '0'.repeat(40) }).catch((e) => e);
  assert.ok(conflict instanceof ConflictError);
  assert.equal(conflict.status, 409);
  const merged = await client.pulls.merge('my-org', name, pr.number, { merge_method: 'merge', sha: head });
  assert.equal(merged.merged, true);
  await assert.rejects(client.pulls.merge('my-org', name, pr.number), NotMergeableError);
  await client.pulls.createComment('my-org', name, pr.number, 'shipped');
  assert.deepEqual((await client.pulls.comments('my-org', name, pr.number)).map((c) => c.body), ['shipped']);
  assert.deepEqual((await client.pulls.list('my-org', name, { state: 'all' })).map((p) => p.number), [pr.number]);
});

test('pipelines: trigger, get, list, log, cancel', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/pipelines'))) return;
  if (!(await requireGit(t))) return;
  const client = clients();
  const name = unique('jspipe');
  const repo = await client.repos.create('my-org', { name, auto_init: true });
  const sha = await gitPush(repo.clone_url, server.tokens.alice, repo.default_branch,
    { '.kizuna/pipeline.yml': 'jobs:\n  test:\n    steps:\n      - run: echo hi\n' });
  const pipeline = await client.pipelines.trigger('my-org', name, { ref: repo.default_branch, variables: { A: 'secret' } });
  assert.equal(pipeline.trigger, 'api');
  assert.equal(pipeline.sha, sha);
  assert.deepEqual(pipeline.variables, ['A']);
  assert.deepEqual(pipeline.jobs.map((j) => j.name), ['test']);
  assert.equal((await client.pipelines.get('my-org', name, pipeline.id)).number, pipeline.number);
  assert.deepEqual((await client.pipelines.list('my-org', name, { trigger: 'api' })).map((p) => p.id), [pipeline.id]);
  assert.equal(await client.pipelines.log('my-org', name, pipeline.id, pipeline.jobs[0].id), ''); // nobody ran it yet
  await client.pipelines.cancel('my-org', name, pipeline.id);
  assert.equal((await client.pipelines.get('my-org', name, pipeline.id)).status, 'canceled');
  await assert.rejects(client.pipelines.cancel('my-org', name, pipeline.id), ConflictError);
  await assert.rejects(client.pipelines.trigger('my-org', name, { ref: 'no-such-ref' }), ValidationError);
});

test('webhooks: the server signs what it sends', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/webhooks'))) return;
  const client = clients();
  let notify;
  const arrived = new Promise((r) => { notify = r; });
  const receiver = await stubServer((req, res) => { res.writeHead(200); res.end(); notify(); });
  try {
    const repo = unique('hooks');
    await client.repos.create('my-org', { name: repo });
    const secret = 'js-secret';
    const hook = await client.webhooks.create('my-org', repo, { url: `${receiver.url}/hook`, events: ['*'], secret });
    assert.equal(hook.has_secret, true);
    await client.webhooks.ping('my-org', repo, hook.id);
    await Promise.race([arrived, new Promise((_, rej) => setTimeout(() => rej(new Error('no delivery in 60 s')), 60000))]);
    const delivery = receiver.requests[0];
    assert.equal(delivery.headers['x-kizuna-event'], 'ping');
    assert.equal(verifySignature(secret, delivery.body, delivery.headers), true);
    assert.equal(verifySignature('wrong', delivery.body, delivery.headers), false);
    assert.equal(verifySignature(secret, Buffer.concat([delivery.body, Buffer.from(' ')]), delivery.headers), false);
    for (const scheme of ['x-kizuna-signature', 'webhook-signature']) { // each scheme holds on its own
      assert.ok(delivery.headers[scheme], `the server sent ${scheme}`);
      const only = Object.fromEntries(Object.entries(delivery.headers).filter(([k]) => k !== scheme));
      assert.equal(verifySignature(secret, delivery.body, only), true);
    }
    assert.equal(JSON.parse(delivery.body.toString()).event, 'ping');
    const deliveries = await client.webhooks.deliveries('my-org', repo, hook.id);
    assert.equal(deliveries[0].event, 'ping');
    await client.webhooks.delete('my-org', repo, hook.id);
  } finally {
    await receiver.close();
  }
});

test('events list and stream', async (t) => {
  if (!(await requireRoute(t, '/repos/my-org/my-repo/events'))) return;
  const client = clients();
  const repo = unique('ev');
  await client.repos.create('my-org', { name: repo });
  const before = await client.events.iter('my-org', repo).first();
  await client.repos.update('my-org', repo, { description: 'one' });
  const events = await client.events.list('my-org', repo, { type: 'repository.updated' });
  assert.equal(events[0].type, 'repository.updated');
  if (!(await requireRoute(t, '/repos/my-org/my-repo/events/stream'))) return;
  const got = [];
  for await (const event of client.events.stream('my-org', repo, { lastEventId: before.id, maxReconnects: 0, readTimeout: 20000 })) {
    got.push(event);
    break;
  }
  assert.equal(got.length, 1, 'the stream resumed after Last-Event-ID yielded the missed event');
  assert.equal(got[0].type, 'repository.updated');
  assert.equal(got[0].id, events[0].id);
});

test('events.stream() without a repository: /user/events/stream resumes after an id', async (t) => {
  if (!(await requireRoute(t, '/user/events/stream'))) return;
  const client = clients();
  const repo = unique('jsus');
  await client.repos.create('my-org', { name: repo });
  const before = await client.events.iter('my-org', repo).first();
  await client.repos.update('my-org', repo, { description: 'user stream' });
  let ours = null;
  let seen = 0;
  for await (const event of client.events.stream({ lastEventId: before.id, maxReconnects: 0, readTimeout: 20000 })) {
    assert.ok(event.id > before.id);
    if (event.repository?.full_name === `my-org/${repo}`) { ours = event; break; }
    if ((seen += 1) >= 50) break; // other repositories' events may come first
  }
  assert.ok(ours, "the user stream never showed the repository's event");
  assert.equal(ours.type, 'repository.updated');
  assert.equal(ours.actor.login, 'alice');
});

test('reviews and branch protection (docs/api.md §16)', async (t) => {
  const client = clients();
  const bob = clients('bob');
  if (!(await requireGit(t))) return;
  const org = unique('jsrev');
  await client.orgs.create(org);
  await client.orgs.setMember(org, 'bob', 'write');
  const repo = await client.repos.create(org, { name: 'guarded', auto_init: true });
  const head = await gitPush(repo.clone_url, server.tokens.alice, 'feature', { 'one.txt': '1\n' });
  const pr = await client.pulls.create(org, 'guarded', { title: 'One', head: 'feature' });

  await assert.rejects(client.branches.protection(org, 'guarded', 'main'), NotFoundError);
  const rule = await client.branches.protect(org, 'guarded', 'main', { required_approving_review_count: 1 });
  assert.equal(rule.required_approving_review_count, 1);
  assert.equal(rule.agent_approval_min_trust, null);
  assert.deepEqual(await client.branches.protection(org, 'guarded', 'main'), rule);
  assert.equal((await client.branches.get(org, 'guarded', 'main')).protected, true);
  await assert.rejects(bob.branches.protect(org, 'guarded', 'main', {}), ForbiddenError);

  assert.equal((await client.pulls.get(org, 'guarded', pr.number)).mergeable_state, 'blocked');
  await assert.rejects(client.pulls.merge(org, 'guarded', pr.number), (err) => err instanceof NotMergeableError
    && err.details.unmet[0].rule === 'required_approving_review_count');
  await assert.rejects(client.pulls.review(org, 'guarded', pr.number, 'APPROVE'), ValidationError);

  const requested = await client.pulls.requestReviewers(org, 'guarded', pr.number, ['bob']);
  assert.deepEqual(requested.requested_reviewers.map((a) => a.login), ['bob']);
  assert.deepEqual((await client.pulls.requestedReviewers(org, 'guarded', pr.number)).map((a) => a.login), ['bob']);
  const approval = await bob.pulls.review(org, 'guarded', pr.number, 'APPROVE', { commit_id: head });
  assert.equal(approval.state, 'APPROVED');
  assert.deepEqual(await client.pulls.requestedReviewers(org, 'guarded', pr.number), []);
  assert.deepEqual((await client.pulls.reviews(org, 'guarded', pr.number)).map((r) => r.id), [approval.id]);
  assert.equal((await client.pulls.getReview(org, 'guarded', pr.number, approval.id)).user.login, 'bob');
  assert.equal((await client.pulls.dismissReview(org, 'guarded', pr.number, approval.id, 'no')).state, 'DISMISSED');
  await assert.rejects(client.pulls.merge(org, 'guarded', pr.number), NotMergeableError);
  await bob.pulls.review(org, 'guarded', pr.number, 'APPROVE');
  await client.pulls.requestReviewers(org, 'guarded', pr.number, ['bob']);
  assert.equal(await client.pulls.removeRequestedReviewers(org, 'guarded', pr.number, ['bob']), null);
  assert.equal((await client.pulls.get(org, 'guarded', pr.number)).mergeable_state, 'clean');
  assert.equal((await client.pulls.merge(org, 'guarded', pr.number)).merged, true);
  assert.equal(await client.branches.unprotect(org, 'guarded', 'main'), null);
  await assert.rejects(client.branches.protection(org, 'guarded', 'main'), NotFoundError);
});

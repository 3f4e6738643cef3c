// Transport behaviour a real server cannot show on demand: 5xx, proxy HTML pages, silence,
// refused connections, Retry-After. Uses local stub servers.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import {
  ConflictError, ForbiddenError, KizunaClient, KizunaConnectionError, KizunaError, KizunaTimeoutError,
  NotFoundError, NotMergeableError, PageList, RateLimitedError, ServerError, UnauthorizedError, ValidationError,
} from '../src/index.js';
import { envelope, refusedUrl, scripted, silentServer, sleepRecorder, stubServer } from '../testing/helpers.js';

const stubs = [];
after(() => Promise.all(stubs.map((s) => s.close())));
async function stub(responses) { const s = await scripted(responses); stubs.push(s); return s; }
function client(url, options = {}) {
  const c = new KizunaClient({ baseUrl: url, token: 'kzp_test', ...options });
  c._sleep = sleepRecorder();
  return c;
}

const cases = [
  [401, 'UNAUTHORIZED', UnauthorizedError], [403, 'FORBIDDEN', ForbiddenError], [404, 'NOT_FOUND', NotFoundError],
  [405, 'NOT_MERGEABLE', NotMergeableError], [409, 'CONFLICT', ConflictError], [422, 'VALIDATION_ERROR', ValidationError],
  [429, 'RATE_LIMITED', RateLimitedError], [500, 'INTERNAL_ERROR', ServerError], [503, 'SERVICE_UNAVAILABLE', ServerError],
  [400, 'BAD_REQUEST', KizunaError], [405, 'METHOD_NOT_ALLOWED', KizunaError],
];
for (const [status, code, Cls] of cases) {
  test(`${status} ${code} -> ${Cls.name}`, async () => {
    const s = await stub([envelope(status, code, 'boom', { field: ['bad'] })]);
    const err = await client(s.url, { retry: false }).request('POST', '/anything').catch((e) => e);
    assert.equal(err.constructor, Cls);
    assert.ok(err instanceof KizunaError && err instanceof Error);
    assert.deepEqual([err.status, err.code, err.message, err.details, err.requestId], [status, code, 'boom', { field: ['bad'] }, 'req-1']);
  });
}

test('a non-JSON proxy page is a clear ServerError', async () => {
  const s = await stub([[502, { 'content-type': 'text/html' }, '<html><h1>502 Bad Gateway</h1>nginx</html>']]);
  const err = await client(s.url, { retry: false }).repos.get('o', 'r').catch((e) => e);
  assert.ok(err instanceof ServerError);
  assert.equal(err.status, 502);
  assert.equal(err.code, 'BAD_GATEWAY');
  assert.match(err.message, /non-JSON/);
  assert.match(err.message, /502 Bad Gateway/);
});

test('an HTML 200 from something that is not Kizuna', async () => {
  const s = await stub([[200, { 'content-type': 'text/html' }, '<html>hello</html>']]);
  const err = await client(s.url).request('GET', '/user').catch((e) => e);
  assert.ok(err instanceof KizunaError);
  assert.equal(err.code, 'INVALID_RESPONSE');
  assert.match(err.message, /baseUrl/);
});

test('connection refused is a clear error, not retried', async () => {
  const url = await refusedUrl();
  const c = client(url);
  const err = await c.repos.list('x').catch((e) => e);
  assert.ok(err instanceof KizunaConnectionError);
  assert.equal(err.status, null);
  assert.ok(err.message.includes(url));
  assert.deepEqual(c._sleep.calls, []);
});

test('malformed baseUrl is rejected at once', () => {
  for (const bad of [undefined, '', 'kizuna.example.com', 'ftp://x']) {
    assert.throws(() => new KizunaClient({ baseUrl: bad, token: 't' }), /baseUrl/);
  }
});

test('a server that never answers times out', async () => {
  const s = await silentServer();
  stubs.push(s);
  const err = await client(s.url, { timeout: 300 }).request('GET', '/user').catch((e) => e);
  assert.ok(err instanceof KizunaTimeoutError && err instanceof KizunaConnectionError);
  assert.equal(err.code, 'TIMEOUT');
});

test('429 is retried honouring Retry-After', async () => {
  const s = await stub([[429, { 'retry-after': '2' }, { error: { code: 'RATE_LIMITED', message: 'slow', details: {} } }], [200, {}, { login: 'alice' }]]);
  const c = client(s.url);
  assert.equal((await c.request('GET', '/user')).login, 'alice');
  assert.deepEqual(c._sleep.calls, [2000]);
  assert.equal(s.requests.length, 2);
});

test('5xx retried with capped exponential backoff, then raised', async () => {
  const s = await stub([envelope(503, 'SERVICE_UNAVAILABLE')]);
  const c = client(s.url, { maxRetries: 4, backoff: 100, maxRetryWait: 300 });
  await assert.rejects(c.request('DELETE', '/repos/o/r'), ServerError);
  assert.deepEqual(c._sleep.calls, [100, 200, 300, 300]);
  assert.equal(s.requests.length, 5);
});

test('POST is never retried; retry:false turns retries off', async () => {
  const s = await stub([envelope(503, 'SERVICE_UNAVAILABLE'), [200, {}, {}]]);
  await assert.rejects(client(s.url).request('POST', '/repos/o', { json: { name: 'x' } }), ServerError);
  assert.equal(s.requests.length, 1);
  const s2 = await stub([envelope(429, 'RATE_LIMITED'), [200, {}, {}]]);
  await assert.rejects(client(s2.url, { retry: false }).request('GET', '/user'), RateLimitedError);
  assert.equal(s2.requests.length, 1);
});

test('a Retry-After beyond maxRetryWait is raised at once', async () => {
  const s = await stub([[429, { 'retry-after': '3599' }, { error: { code: 'RATE_LIMITED', message: 'm', details: {} } }], [200, {}, {}]]);
  const c = client(s.url, { maxRetryWait: 10000 });
  const err = await c.request('GET', '/user').catch((e) => e);
  assert.ok(err instanceof RateLimitedError);
  assert.equal(err.retryAfter, 3599);
  assert.deepEqual(c._sleep.calls, []);
});

test('rate-limit headers are exposed', async () => {
  const s = await stub([[200, { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4998', 'x-ratelimit-reset': '1700000000', 'x-ratelimit-used': '2', 'x-ratelimit-resource': 'core' }, {}]]);
  const c = client(s.url);
  assert.equal(c.rateLimit, null);
  await c.request('GET', '/user');
  assert.deepEqual(c.rateLimit, { limit: 5000, remaining: 4998, reset: 1700000000, used: 2, resource: 'core' });
});

test('next links are followed on our own host; list resolves to every item; iter is lazy', async () => {
  const s = await stubServer((req, res) => {
    const two = req.url.includes('page=2');
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(two ? {} : { link: '<http://internal.example:9000/api/v1/repos/o?per_page=1&page=2>; rel="next"' }),
      'x-total-count': '2',
    });
    res.end(JSON.stringify([{ n: two ? 2 : 1 }]));
  });
  stubs.push(s);
  const c = client(s.url);
  const all = c.repos.list('o', { perPage: 1 });
  assert.ok(all instanceof Promise);
  assert.deepEqual((await all).map((r) => r.n), [1, 2]);
  assert.equal(s.requests[1].url, '/api/v1/repos/o?per_page=1&page=2');

  const pages = c.repos.iter('o', { per_page: 1 });
  assert.ok(pages instanceof PageList);
  const seen = [];
  for await (const repo of pages) seen.push(repo.n);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(pages.totalCount, 2);
  assert.equal(s.requests.length, 4);
});

test('a PageList is not thenable: awaiting it fetches nothing', async () => {
  const s = await stub([[200, {}, [{ n: 1 }]], [200, {}, [{ n: 1 }]]]);
  const c = client(s.url);
  const pages = c.issues.iter('o', 'r');
  assert.equal(typeof pages.then, 'undefined');
  assert.equal(await pages, pages);
  assert.equal(await Promise.resolve(pages), pages);
  assert.equal(s.requests.length, 0);
  assert.deepEqual(await pages.first(), { n: 1 });
  assert.deepEqual(await c.paginate('/repos/o/r/issues').all(), [{ n: 1 }]);
  assert.equal(s.requests.length, 2);
});

test('the other list methods resolve to every item too', async () => {
  const s = await stub([[200, {}, [{ login: 'a' }]], [200, {}, [{ sha: 'x' }]]]);
  const c = client(s.url);
  assert.deepEqual(await c.orgs.members('o'), [{ login: 'a' }]);
  assert.deepEqual(await c.repos.commits('o', 'r', { sha: 'main' }), [{ sha: 'x' }]);
  assert.deepEqual(s.requests.map((r) => r.url), ['/api/v1/orgs/o/members?per_page=100', '/api/v1/repos/o/r/commits?sha=main&per_page=100']);
});

test('baseUrl may include /api/v1; segments are encoded; list params', async () => {
  const s = await stub([[200, {}, {}], [200, {}, []]]);
  const c = client(`${s.url}/api/v1/`);
  await c.labels.get('o', 'r', 'good first issue');
  await c.issues.list('o', 'r', { state: 'all', labels: ['bug', 'ui'] });
  assert.equal(s.requests[0].url, '/api/v1/repos/o/r/labels/good%20first%20issue');
  assert.equal(s.requests[0].headers.authorization, 'Bearer kzp_test');
  assert.equal(s.requests[1].url, '/api/v1/repos/o/r/issues?state=all&labels=bug%2Cui&per_page=100');
});

test('a body that stalls mid-way times out instead of hanging', async () => {
  const s = await stubServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial": ');
    // never finishes
  });
  stubs.push(s);
  const err = await client(s.url, { timeout: 300 }).request('GET', '/user').catch((e) => e);
  assert.ok(err instanceof KizunaTimeoutError, String(err));
});

test('webhook paths: repository and organisation hooks', async () => {
  const s = await stub([[200, {}, []], [200, {}, []], [201, {}, {}], [200, {}, {}]]);
  const c = client(s.url);
  await c.webhooks.list('o', 'r');
  await c.webhooks.list('o');
  await c.webhooks.create('o', { url: 'https://example.com/h', events: ['push'], secret: 's' });
  await c.webhooks.get('o', null, 5);
  assert.deepEqual(s.requests.map((r) => `${r.method} ${r.url}`), [
    'GET /api/v1/repos/o/r/webhooks?per_page=100', 'GET /api/v1/orgs/o/webhooks?per_page=100',
    'POST /api/v1/orgs/o/webhooks', 'GET /api/v1/orgs/o/webhooks/5',
  ]);
  assert.deepEqual(JSON.parse(s.requests[2].body), { content_type: 'json', url: 'https://example.com/h', events: ['push'], secret: 's' });
});

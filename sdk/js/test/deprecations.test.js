// docs/api.md §18: the SDK warns once per deprecated operation it calls (process.emitWarning, type
// DeprecationWarning) and keeps the notices; 410 GONE is GoneError. Stub servers play the server.
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, test } from 'node:test';

import { GoneError, KizunaClient, KizunaError } from '../src/index.js';
import { envelope, scripted } from '../testing/helpers.js';

const NOTES = 'https://kizuna.example.com/docs/changes/orgs-v2';
const DEPRECATED = {
  deprecation: '@1798761600', sunset: 'Sat, 01 Jan 2028 00:00:00 GMT',
  link: `<${NOTES}>; rel="deprecation"; type="text/html"`,
};

const stubs = [];
after(() => Promise.all(stubs.map((s) => s.close())));
async function stub(responses) { const s = await scripted(responses); stubs.push(s); return s; }
const client = (url) => new KizunaClient({ baseUrl: url, token: 'kzp_test', retry: false });

let warnings;
const listener = (warning) => { if (warning.code === 'KIZUNA_DEPRECATED') warnings.push(warning); };
beforeEach(() => { warnings = []; process.on('warning', listener); });
afterEach(() => { process.off('warning', listener); });
// process 'warning' events are emitted on the next tick.
const settle = () => new Promise((r) => setImmediate(r));

test('a deprecated operation warns once, however many objects it is called on', async () => {
  const s = await stub([[200, DEPRECATED, { login: 'a' }]]);
  const c = client(s.url);
  await c.request('GET', '/orgs/a');
  await c.request('GET', '/orgs/b');
  await c.orgs.get('a');
  await settle();
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].name, 'DeprecationWarning');
  assert.match(warnings[0].message, /GET \/orgs\/a uses something deprecated since 2027-01-01T00:00:00Z/);
  assert.match(warnings[0].message, /Sat, 01 Jan 2028 00:00:00 GMT/);
  assert.ok(warnings[0].message.includes(NOTES));
  assert.equal(c.deprecations.length, 1);
  assert.deepEqual(c.deprecations[0], {
    method: 'GET', path: '/orgs/a', deprecatedAt: new Date(Date.UTC(2027, 0, 1)),
    sunset: 'Sat, 01 Jan 2028 00:00:00 GMT', links: [NOTES],
  });
});

test('each deprecated operation warns; plain answers and pagination links do not', async () => {
  const other = { deprecation: '@1800000000', link: '<http://127.0.0.1/api/v1/x?page=2>; rel="next", <https://x.example/n2>; rel="deprecation"' };
  const s = await stub([[200, {}, {}], [200, DEPRECATED, {}], [200, other, {}], [200, DEPRECATED, {}]]);
  const c = client(s.url);
  for (const path of ['/user', '/orgs/a', '/repos/a/b/issues?milestone=1', '/orgs/b']) await c.request('GET', path);
  await settle();
  assert.deepEqual(warnings.map((w) => w.message.split(' uses')[0]), ['Kizuna API: GET /orgs/a', 'Kizuna API: GET /repos/a/b/issues']);
  assert.deepEqual(c.deprecations[1].links, ['https://x.example/n2']);
  assert.equal(c.deprecations[1].sunset, null);
});

test('410 GONE is a GoneError and still warns', async () => {
  const [status, headers, body] = envelope(410, 'GONE', 'sunset', { sunset_at: '2028-01-01T00:00:00Z' });
  const s = await stub([[status, { ...headers, ...DEPRECATED }, body]]);
  const err = await client(s.url).request('GET', '/orgs/a').catch((e) => e);
  await settle();
  assert.ok(err instanceof GoneError && err instanceof KizunaError);
  assert.deepEqual([err.status, err.code, err.details], [410, 'GONE', { sunset_at: '2028-01-01T00:00:00Z' }]);
  assert.equal(warnings.length, 1);
});

test('an event stream of a deprecated operation warns once', async () => {
  const stream = [200, { 'content-type': 'text/event-stream', ...DEPRECATED }, 'id: 1\nevent: ping\ndata: {"x": 1}\n\n'];
  const [status, headers, body] = envelope(410, 'GONE', 'sunset');
  const s = await stub([stream, stream, [status, { ...headers, ...DEPRECATED }, body]]);
  const c = client(s.url);
  c._sleep = async () => {};
  const events = c.events.stream('o', 'r');
  assert.equal((await events.next()).value.type, 'ping');
  assert.equal((await events.next()).value.type, 'ping');
  await assert.rejects(events.next(), GoneError);
  await settle();
  assert.equal(warnings.length, 1);
  assert.equal(c.deprecations[0].path, '/repos/o/r/events/stream');
});

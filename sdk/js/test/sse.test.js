import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { KizunaClient, KizunaConnectionError, UnauthorizedError, parseFrames } from '../src/index.js';
import { refusedUrl, sleepRecorder, stubServer } from '../testing/helpers.js';

const stubs = [];
after(() => Promise.all(stubs.map((s) => s.close())));

const frame = (id, type, extra = {}) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id, type, ...extra })}\n\n`;

async function sseServer(batches) {
  const s = await stubServer((req, res, body, index) => {
    if (index >= batches.length) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'stop', details: {} } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(batches[index]);
  });
  stubs.push(s);
  return s;
}

test('stream reconnects and resumes after the last event', async () => {
  const s = await sseServer([
    `retry: 250\n\n: keepalive\n\n${frame(7, 'issue.opened', { payload: { n: 1 } })}${frame(8, 'comment.created')}`,
    `retry: 250\n\n${frame(9, 'push')}`,
  ]);
  const client = new KizunaClient({ baseUrl: s.url, token: 'kzp_t' });
  client._sleep = sleepRecorder();
  const got = [];
  for await (const event of client.events.stream('my-org', 'my-repo', { lastEventId: 6 })) {
    got.push(event);
    if (got.length === 3) break;
  }
  assert.deepEqual(got.map((e) => e.id), [7, 8, 9]);
  assert.equal(got[0].payload.n, 1);
  assert.equal(s.requests[0].url, '/api/v1/repos/my-org/my-repo/events/stream');
  assert.equal(s.requests[0].headers['last-event-id'], '6');
  assert.equal(s.requests[1].headers['last-event-id'], '8');
  assert.deepEqual(client._sleep.calls, [250]);
});

test('stream raises what reconnecting cannot fix', async () => {
  const s = await sseServer([frame(1, 'push')]);
  const client = new KizunaClient({ baseUrl: s.url, token: 'kzp_t' });
  client._sleep = sleepRecorder();
  const stream = client.events.stream();
  assert.equal((await stream.next()).value.id, 1);
  await assert.rejects(stream.next(), UnauthorizedError);
  assert.equal(s.requests[0].url, '/api/v1/user/events/stream');
  assert.equal(s.requests[1].headers['last-event-id'], '1');
});

test('stream gives up after maxReconnects', async () => {
  const client = new KizunaClient({ baseUrl: await refusedUrl(), token: 'kzp_t' });
  client._sleep = sleepRecorder();
  await assert.rejects(client.events.stream({ maxReconnects: 2 }).next(), KizunaConnectionError);
  assert.equal(client._sleep.calls.length, 2);
});

test('parseFrames', () => {
  const lines = ['retry: 3000', '', ': keepalive', '', 'id: 5', 'event: x', 'data: a', 'data: b', '', 'data: tail'];
  assert.deepEqual([...parseFrames(lines)], [{ retry: 3000 }, { id: '5', event: 'x', data: 'a\nb' }]);
});

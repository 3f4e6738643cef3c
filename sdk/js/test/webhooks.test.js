import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';

import { verifySignature } from '../src/index.js';

const SECRET = 's3cret-ü';
const BODY = '{"event":"ping","zen":"Keep it logically awesome."}';
const kizuna = (secret = SECRET, body = BODY) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
function standard(secret = SECRET, body = BODY, id = 'msg_1', ts = Math.floor(Date.now() / 1000)) {
  const sig = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${sig}` };
}

test('X-Kizuna-Signature', () => {
  assert.equal(verifySignature(SECRET, BODY, { 'X-Kizuna-Signature': kizuna() }), true);
  assert.equal(verifySignature(SECRET, Buffer.from(BODY), new Headers({ 'x-kizuna-signature': kizuna() })), true);
  assert.equal(verifySignature('wrong', BODY, { 'X-Kizuna-Signature': kizuna() }), false);
  assert.equal(verifySignature(SECRET, `${BODY} `, { 'X-Kizuna-Signature': kizuna() }), false);
});

test('Standard Webhooks, several entries, tolerance', () => {
  assert.equal(verifySignature(SECRET, BODY, standard()), true);
  assert.equal(verifySignature('wrong', BODY, standard()), false);
  const good = standard();
  const old = standard('old');
  assert.equal(verifySignature(SECRET, BODY, { ...good, 'webhook-signature': `${old['webhook-signature']} ${good['webhook-signature']}` }), true);
  const now = 1_800_000_000;
  assert.equal(verifySignature(SECRET, BODY, standard(SECRET, BODY, 'm', now + 299), { now }), true);
  assert.equal(verifySignature(SECRET, BODY, standard(SECRET, BODY, 'm', now - 301), { now }), false);
});

test('both schemes must hold when both are sent; none is false', () => {
  const headers = { 'X-Kizuna-Signature': kizuna(), ...standard() };
  assert.equal(verifySignature(SECRET, BODY, headers), true);
  assert.equal(verifySignature(SECRET, BODY, { ...headers, 'X-Kizuna-Signature': kizuna('x') }), false);
  assert.equal(verifySignature(SECRET, BODY, {}), false);
});

// Conformance driver for the JavaScript SDK (sdk/conformance/README.md).
//
//   node driver.mjs CONFIG.json SCENARIO.json [SCENARIO.json ...]
import { readFileSync } from 'node:fs';
import {
  KizunaClient, KizunaError, KizunaConnectionError, KizunaTimeoutError, UnauthorizedError, ForbiddenError,
  NotFoundError, ValidationError, ConflictError, NotMergeableError, RateLimitedError, ServerError, verifySignature,
} from '../../../js/src/index.js';

class StepError extends Error {}
class StreamTimeout extends Error {}

/** Named arguments; every one must be used by the call. */
class Args {
  constructor(values) { this.values = { ...values }; }
  req(name) {
    if (!(name in this.values)) throw new StepError(`missing argument ${JSON.stringify(name)}`);
    const value = this.values[name];
    delete this.values[name];
    return value;
  }
  opt(name, fallback = undefined) {
    if (!(name in this.values)) return fallback;
    const value = this.values[name];
    delete this.values[name];
    return value ?? fallback;
  }
  rest(...allowed) {
    const unknown = Object.keys(this.values).filter((k) => !allowed.includes(k));
    if (unknown.length) throw new StepError(`unknown arguments ${JSON.stringify(unknown.sort())}`);
    const out = this.values;
    this.values = {};
    return out;
  }
  done() { this.rest(); }
}

// Every list method resolves to an array of every item (docs/api.md §15): a PageList, which is not
// thenable, would arrive here unawaited.
async function list(promise) {
  const items = await promise;
  if (!Array.isArray(items)) throw new StepError(`a list method resolved to ${items?.constructor?.name ?? typeof items}, not an array`);
  return items;
}

async function stream(c, a) {
  const org = a.opt('org'); const repo = a.opt('repo'); const lastEventId = a.opt('last_event_id');
  const count = a.req('count'); const timeout = a.opt('timeout_seconds', 60);
  a.done();
  const controller = new AbortController();
  const options = { lastEventId, signal: controller.signal };
  const iterator = org != null || repo != null ? c.events.stream(org, repo, options) : c.events.stream(options);
  const events = [];
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StreamTimeout(`only ${events.length} of ${count} events within ${timeout} s`)), timeout * 1000);
  });
  const consume = (async () => {
    for await (const event of iterator) {
      events.push(event);
      if (events.length >= count) break;
    }
  })();
  try {
    await Promise.race([consume, timedOut]);
    if (events.length < count) throw new StreamTimeout(`the stream ended after ${events.length} of ${count} events`);
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const OPS = {
  'orgs.get': (c, a) => { const org = a.req('org'); a.done(); return c.orgs.get(org); },
  'orgs.create': (c, a) => c.orgs.create({ login: a.req('login'), ...a.rest('name', 'description') }),
  'orgs.members': (c, a) => list(c.orgs.members(a.req('org'), a.rest('per_page'))),
  'orgs.set_member': (c, a) => { const r = [a.req('org'), a.req('login'), a.req('role')]; a.done(); return c.orgs.setMember(...r); },
  'orgs.remove_member': (c, a) => { const r = [a.req('org'), a.req('login')]; a.done(); return c.orgs.removeMember(...r); },
  'repos.list': (c, a) => list(c.repos.list(a.req('org'), a.rest('visibility', 'sort', 'direction', 'per_page'))),
  'repos.get': (c, a) => { const r = [a.req('org'), a.req('repo')]; a.done(); return c.repos.get(...r); },
  'repos.create': (c, a) => c.repos.create(a.req('org'), { name: a.req('name'), ...a.rest('description', 'visibility', 'default_branch', 'auto_init') }),
  'repos.update': (c, a) => c.repos.update(a.req('org'), a.req('repo'), a.rest('name', 'description', 'visibility', 'default_branch', 'archived')),
  'repos.delete': (c, a) => { const r = [a.req('org'), a.req('repo')]; a.done(); return c.repos.delete(...r); },
  'repos.branches': (c, a) => list(c.repos.branches(a.req('org'), a.req('repo'), a.rest('per_page'))),
  'repos.commits': (c, a) => list(c.repos.commits(a.req('org'), a.req('repo'), a.rest('sha', 'path', 'per_page'))),
  'repos.contents': (c, a) => c.repos.contents(a.req('org'), a.req('repo'), a.opt('path', ''), a.rest('ref')),
  'issues.list': (c, a) => list(c.issues.list(a.req('org'), a.req('repo'),
    a.rest('state', 'labels', 'assignee', 'creator', 'milestone', 'sort', 'direction', 'per_page'))),
  'issues.get': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number')]; a.done(); return c.issues.get(...r); },
  'issues.create': (c, a) => c.issues.create(a.req('org'), a.req('repo'), { title: a.req('title'), ...a.rest('body', 'labels', 'assignees', 'milestone') }),
  'issues.update': (c, a) => c.issues.update(a.req('org'), a.req('repo'), a.req('number'),
    a.rest('title', 'body', 'state', 'state_reason', 'labels', 'assignees', 'milestone')),
  'issues.add_labels': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number'), a.req('labels')]; a.done(); return c.issues.addLabels(...r); },
  'issues.remove_label': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number'), a.req('label')]; a.done(); return c.issues.removeLabel(...r); },
  'comments.list': (c, a) => list(c.comments.list(a.req('org'), a.req('repo'), a.req('number'), a.rest('per_page'))),
  'comments.create': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number'), a.req('body')]; a.done(); return c.comments.create(...r); },
  'comments.update': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('comment_id'), a.req('body')]; a.done(); return c.comments.update(...r); },
  'comments.delete': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('comment_id')]; a.done(); return c.comments.delete(...r); },
  'labels.list': (c, a) => list(c.labels.list(a.req('org'), a.req('repo'), a.rest('per_page'))),
  'labels.get': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('label')]; a.done(); return c.labels.get(...r); },
  'labels.create': (c, a) => c.labels.create(a.req('org'), a.req('repo'), { name: a.req('name'), color: a.req('color'), ...a.rest('description') }),
  'labels.update': (c, a) => c.labels.update(a.req('org'), a.req('repo'), a.req('label'), a.rest('name', 'color', 'description')),
  'labels.delete': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('label')]; a.done(); return c.labels.delete(...r); },
  'milestones.list': (c, a) => list(c.milestones.list(a.req('org'), a.req('repo'), a.rest('state', 'per_page'))),
  'milestones.get': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number')]; a.done(); return c.milestones.get(...r); },
  'milestones.create': (c, a) => c.milestones.create(a.req('org'), a.req('repo'), { title: a.req('title'), ...a.rest('description', 'due_on', 'state') }),
  'milestones.update': (c, a) => c.milestones.update(a.req('org'), a.req('repo'), a.req('number'), a.rest('title', 'description', 'due_on', 'state')),
  'milestones.delete': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number')]; a.done(); return c.milestones.delete(...r); },
  'pulls.list': (c, a) => list(c.pulls.list(a.req('org'), a.req('repo'), a.rest('state', 'head', 'base', 'per_page'))),
  'pulls.get': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number')]; a.done(); return c.pulls.get(...r); },
  'pulls.create': (c, a) => c.pulls.create(a.req('org'), a.req('repo'), { title: a.req('title'), head: a.req('head'), ...a.rest('base', 'body', 'draft') }),
  'pulls.update': (c, a) => c.pulls.update(a.req('org'), a.req('repo'), a.req('number'), a.rest('title', 'body', 'state', 'base')),
  'pulls.ready': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number')]; a.done(); return c.pulls.ready(...r); },
  'pulls.merge': (c, a) => c.pulls.merge(a.req('org'), a.req('repo'), a.req('number'), a.rest('merge_method', 'sha', 'commit_title', 'commit_message')),
  'pulls.comments': (c, a) => list(c.pulls.comments(a.req('org'), a.req('repo'), a.req('number'), a.rest('per_page'))),
  'pulls.create_comment': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('number'), a.req('body')]; a.done(); return c.pulls.createComment(...r); },
  'agents.list': (c, a) => list(c.agents.list(a.rest('capability', 'trust_level', 'model_family', 'status', 'per_page'))),
  'agents.register': (c, a) => c.agents.register({
    name: a.req('name'), model_family: a.req('model_family'), model_version: a.req('model_version'),
    ...a.rest('description', 'capabilities', 'trust_level'),
  }),
  'agents.get': (c, a) => { const id = a.req('agent_id'); a.done(); return c.agents.get(id); },
  'agents.update': (c, a) => c.agents.update(a.req('agent_id'), a.rest('name', 'description', 'capabilities', 'trust_level', 'status')),
  'agents.rotate_token': (c, a) => { const id = a.req('agent_id'); a.done(); return c.agents.rotateToken(id); },
  'agents.events': (c, a) => list(c.agents.events(a.req('agent_id'), a.rest('per_page'))),
  'pipelines.list': (c, a) => list(c.pipelines.list(a.req('org'), a.req('repo'), a.rest('status', 'ref', 'per_page'))),
  'pipelines.trigger': (c, a) => c.pipelines.trigger(a.req('org'), a.req('repo'), a.rest('ref', 'variables')),
  'pipelines.get': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('pipeline_id')]; a.done(); return c.pipelines.get(...r); },
  'pipelines.cancel': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('pipeline_id')]; a.done(); return c.pipelines.cancel(...r); },
  'pipelines.log': (c, a) => { const r = [a.req('org'), a.req('repo'), a.req('pipeline_id'), a.req('job_id')]; a.done(); return c.pipelines.log(...r); },
  'webhooks.list': (c, a) => list(c.webhooks.list(a.req('org'), a.opt('repo', null), a.rest('per_page'))),
  'webhooks.create': (c, a) => c.webhooks.create(a.req('org'), a.opt('repo', null), {
    url: a.req('url'), events: a.req('events'), ...a.rest('secret', 'content_type', 'active'),
  }),
  'webhooks.get': (c, a) => { const r = [a.req('org'), a.opt('repo', null), a.req('hook_id')]; a.done(); return c.webhooks.get(...r); },
  'webhooks.update': (c, a) => c.webhooks.update(a.req('org'), a.opt('repo', null), a.req('hook_id'), a.rest('url', 'events', 'secret', 'active')),
  'webhooks.delete': (c, a) => { const r = [a.req('org'), a.opt('repo', null), a.req('hook_id')]; a.done(); return c.webhooks.delete(...r); },
  'webhooks.ping': (c, a) => { const r = [a.req('org'), a.opt('repo', null), a.req('hook_id')]; a.done(); return c.webhooks.ping(...r); },
  'webhooks.deliveries': (c, a) => list(c.webhooks.deliveries(a.req('org'), a.opt('repo', null), a.req('hook_id'), a.rest('per_page'))),
  'webhooks.delivery': (c, a) => {
    const r = [a.req('org'), a.opt('repo', null), a.req('hook_id'), a.req('delivery_id')]; a.done(); return c.webhooks.delivery(...r);
  },
  'webhooks.redeliver': (c, a) => {
    const r = [a.req('org'), a.opt('repo', null), a.req('hook_id'), a.req('delivery_id')]; a.done(); return c.webhooks.redeliver(...r);
  },
  'events.list': (c, a) => list(c.events.list(a.req('org'), a.req('repo'), a.rest('type', 'actor', 'after_id', 'per_page'))),
  'events.stream': stream,
  request: (c, a) => { const method = a.req('method'); const path = a.req('path'); return c.request(method, path, a.rest('params', 'json')); },
  verify_signature: (c, a) => {
    const r = [a.req('secret'), a.req('body'), a.req('headers')]; a.done(); return verifySignature(...r);
  },
};

const CLASSES = [
  [UnauthorizedError, 'Unauthorized'], [ForbiddenError, 'Forbidden'], [NotFoundError, 'NotFound'],
  [ValidationError, 'Validation'], [ConflictError, 'Conflict'], [NotMergeableError, 'NotMergeable'],
  [RateLimitedError, 'RateLimited'], [ServerError, 'Server'], [KizunaTimeoutError, 'Timeout'],
  [KizunaConnectionError, 'Connection'], [KizunaError, 'Error'],
];

function errorJson(err) {
  if (err instanceof StreamTimeout) {
    return { class: 'Timeout', status: null, code: 'TIMEOUT', message: err.message, details: {}, request_id: null, retry_after: null };
  }
  const [, name] = CLASSES.find(([Cls]) => err instanceof Cls);
  return {
    class: name, status: err.status, code: err.code, message: err.message, details: err.details,
    request_id: err.requestId, retry_after: err.retryAfter ?? null,
  };
}

// -- substitution and matching -------------------------------------------------------------------
const WHOLE = /^\$\{([^}]+)\}$/;
const INNER = /\$\{([^}]+)\}/g;

function lookup(names, ref) {
  const [head, ...path] = ref.split('.');
  if (!(head in names)) throw new StepError(`unknown name \${${ref}}`);
  let value = names[head];
  for (const part of path) {
    if (Array.isArray(value) && /^\d+$/.test(part) && Number(part) < value.length) value = value[Number(part)];
    else if (value && typeof value === 'object' && !Array.isArray(value) && part in value) value = value[part];
    else throw new StepError(`\${${ref}}: no ${JSON.stringify(part)} in ${JSON.stringify(value).slice(0, 200)}`);
  }
  return value;
}

const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

function substitute(value, names) {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(names, whole[1]);
    return value.replace(INNER, (_, ref) => text(lookup(names, ref)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, names));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, names)]));
  return value;
}

function matches(pattern, actual) {
  if (pattern === '$any') return true;
  if (pattern === '$nonnull') return actual !== null && actual !== undefined;
  if (Array.isArray(pattern)) return Array.isArray(actual) && actual.length === pattern.length && pattern.every((p, i) => matches(p, actual[i]));
  if (pattern && typeof pattern === 'object') {
    return actual !== null && typeof actual === 'object' && !Array.isArray(actual)
      && Object.entries(pattern).every(([k, v]) => k in actual && matches(v, actual[k]));
  }
  return pattern === actual;
}

const show = (value) => JSON.stringify(value)?.slice(0, 600);
const EXPECT_KEYS = new Set(['error', 'status', 'code', 'details', 'retry_after_min', 'result', 'length', 'length_min', 'contains', 'excludes', 'unique', 'increasing']);

function judge(expect, ok, value) {
  const unknown = Object.keys(expect).filter((k) => !EXPECT_KEYS.has(k));
  if (unknown.length) throw new StepError(`unknown expect keys ${JSON.stringify(unknown)}`);
  if ('error' in expect) {
    if (ok) return `expected error ${expect.error}, got result ${show(value)}`;
    if (value.class !== expect.error) return `expected error ${expect.error}, got ${show(value)}`;
    for (const key of ['status', 'code']) if (key in expect && value[key] !== expect[key]) return `expected ${key} ${expect[key]}, got ${show(value)}`;
    if ('details' in expect && !matches(expect.details, value.details)) return `details do not match ${show(expect.details)}: ${show(value)}`;
    if ('retry_after_min' in expect && (value.retry_after == null || value.retry_after < expect.retry_after_min)) {
      return `expected retry_after ≥ ${expect.retry_after_min}, got ${show(value)}`;
    }
    return null;
  }
  if (!ok) return `expected success, got error ${show(value)}`;
  if ('result' in expect && !matches(expect.result, value)) return `result does not match ${show(expect.result)}: ${show(value)}`;
  const listy = ['length', 'length_min', 'contains', 'excludes', 'unique', 'increasing'].some((k) => k in expect);
  if (!listy) return null;
  if (!Array.isArray(value)) return `expected an array, got ${show(value)}`;
  if ('length' in expect && value.length !== expect.length) return `expected ${expect.length} items, got ${value.length}: ${show(value)}`;
  if ('length_min' in expect && value.length < expect.length_min) return `expected at least ${expect.length_min} items, got ${value.length}: ${show(value)}`;
  for (const pattern of expect.contains ?? []) if (!value.some((item) => matches(pattern, item))) return `no item matches ${show(pattern)}: ${show(value)}`;
  for (const pattern of expect.excludes ?? []) if (value.some((item) => matches(pattern, item))) return `an item matches ${show(pattern)}: ${show(value)}`;
  if ('unique' in expect) {
    const keys = value.map((item) => JSON.stringify(item?.[expect.unique] ?? null));
    if (new Set(keys).size !== keys.length) return `repeated ${expect.unique}: ${show(value)}`;
  }
  if ('increasing' in expect) {
    const keys = value.map((item) => item?.[expect.increasing]);
    for (let i = 1; i < keys.length; i += 1) {
      if (keys[i - 1] == null || keys[i] == null || !(keys[i - 1] < keys[i])) return `${expect.increasing} does not strictly increase: ${show(keys)}`;
    }
  }
  return null;
}

// -- running -------------------------------------------------------------------------------------
const STEP_KEYS = new Set(['call', 'args', 'as', 'server', 'save', 'repeat', 'poll', 'expect', 'comment']);

class Driver {
  constructor(config) { this.config = config; this.clients = new Map(); }

  client(server, who) {
    const key = `${server}\u0000${who}`;
    if (!this.clients.has(key)) {
      if (!['url', 'limited_url', 'drop_url', 'flaky_url'].includes(server)) throw new StepError(`unknown server ${server}`);
      if (who !== null && !(who in this.config.tokens)) throw new StepError(`unknown token ${who}`);
      this.clients.set(key, new KizunaClient({ baseUrl: this.config[server], token: who === null ? null : this.config.tokens[who] }));
    }
    return this.clients.get(key);
  }

  async call(step, names) {
    const op = OPS[step.call];
    if (!op) throw new StepError(`unknown call ${JSON.stringify(step.call)}`);
    const args = new Args(substitute(step.args ?? {}, names));
    const client = this.client(step.server ?? 'url', 'as' in step ? step.as : 'alice');
    try {
      const result = await op(client, args);
      return [true, JSON.parse(JSON.stringify(result ?? null))];
    } catch (err) {
      if (err instanceof StepError) throw err;
      if (err instanceof KizunaError || err instanceof StreamTimeout) return [false, errorJson(err)];
      throw new StepError(`the SDK refused the call: ${err?.stack ?? err}`);
    }
  }

  async runStep(step, names) {
    const unknown = Object.keys(step).filter((k) => !STEP_KEYS.has(k));
    if (unknown.length) throw new StepError(`unknown step fields ${JSON.stringify(unknown)}`);
    const expect = substitute(step.expect ?? {}, names);
    const poll = step.poll ?? null;
    const attempts = Math.max(1, poll ? (poll.attempts ?? 1) : (step.repeat ?? 1));
    let why = null;
    let value;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      let ok;
      [ok, value] = await this.call(step, names);
      why = judge(expect, ok, value);
      if (poll && why === null) break;
      if (poll && attempt + 1 < attempts) await new Promise((r) => setTimeout(r, poll.interval_ms ?? 500));
    }
    if (why === null && step.save) names[step.save] = value;
    return why;
  }

  async run(path) {
    const scenario = JSON.parse(readFileSync(path, 'utf8'));
    const names = { ...this.config.vars };
    for (const [index, step] of scenario.steps.entries()) {
      let why;
      try {
        why = await this.runStep(step, names);
      } catch (err) {
        why = `cannot express the step: ${err.message}`;
      }
      const record = { scenario: scenario.name, step: index, call: step.call, pass: why === null };
      if (why !== null) record.why = why;
      process.stdout.write(JSON.stringify(record) + '\n');
      if (why !== null) return false;
    }
    return true;
  }
}

const [configPath, ...files] = process.argv.slice(2);
if (!configPath || !files.length) {
  process.stderr.write('usage: node driver.mjs CONFIG.json SCENARIO.json [...]\n');
  process.exit(2);
}
const driver = new Driver(JSON.parse(readFileSync(configPath, 'utf8')));
let allOk = true;
for (const file of files) if (!(await driver.run(file))) allOk = false;
process.exit(allOk ? 0 : 1);

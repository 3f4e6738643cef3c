// Test helpers: a real Kizuna server (sdk/testing/live_server.py, run with the project's .venv
// python), tiny stub servers, and the precise "skip until the endpoint lands" probe.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function python() {
  if (process.env.KIZUNA_PYTHON) return process.env.KIZUNA_PYTHON;
  const venv = join(ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** Start the live server; resolves to {url, limitedUrl, limit, tokens, stop()}. */
export async function startServer() {
  const child = spawn(python(), [join(ROOT, 'sdk', 'testing', 'live_server.py')], {
    cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolvePromise, reject) => {
    lines.once('line', resolvePromise);
    child.once('exit', (code) => reject(new Error(`live Kizuna server exited with ${code} before starting`)));
  });
  const info = JSON.parse(first);
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url: info.url,
    limitedUrl: info.limited_url,
    limit: info.limit,
    tokens: info.tokens,
    async stop() {
      child.stdin.end(); // the server stops when its stdin closes
      const timer = setTimeout(() => child.kill('SIGTERM'), 60000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A local HTTP server answering with `handler(req, res, body)`; records requests. */
export async function stubServer(handler) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body, requests.length - 1);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** A stub answering from a script of [status, headers, body] (the last one repeats). */
export function scripted(responses) {
  return stubServer((req, res, body, index) => {
    const [status, headers, payload] = responses[Math.min(index, responses.length - 1)];
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  });
}

export function envelope(status, code, message = 'm', details = {}) {
  return [status, { 'x-request-id': 'req-1' }, { error: { code, message, details, request_id: 'req-1' } }];
}

/** Accepts connections and never answers. */
export async function silentServer() {
  const sockets = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { sockets.forEach((s) => s.destroy()); server.close(r); }),
  };
}

/** An address where nothing listens. */
export async function refusedUrl() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

export function sleepRecorder() {
  const calls = [];
  const sleep = async (ms) => { calls.push(ms); };
  sleep.calls = calls;
  return sleep;
}

// `KIZUNA_SDK_STRICT=1` (set by `make test`): a missing route fails the test instead of skipping it.
export const STRICT = !['', '0', 'false', 'no'].includes((process.env.KIZUNA_SDK_STRICT || '').toLowerCase());

const probed = new Map();
/**
 * Whether the server has a route: GET it (under an object that certainly exists, the seeded
 * org/repo) once; only a 404 means "not landed yet". Use: `if (!(await has(path))) return t.skip(...)`.
 */
export async function hasRoute(server, path) {
  if (!probed.has(path)) {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/v1${path}${path.endsWith('/stream') ? '' : '?per_page=1'}`, {
      headers: { authorization: `Bearer ${server.tokens.alice}`, accept: path.endsWith('/stream') ? 'text/event-stream' : 'application/json' },
      signal: controller.signal,
    });
    probed.set(path, response.status !== 404);
    controller.abort();
    await response.body?.cancel().catch(() => {});
  }
  return probed.get(path);
}

export const unique = (prefix = 'x') => `${prefix}-${Math.random().toString(16).slice(2, 10)}`;

/** Commit `files` on `branch` and push it with stock git over HTTP (token as the Basic password). */
export async function gitPush(cloneUrl, token, branch, files, message = 'change') {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kizuna-js-git-'));
  const url = new URL(cloneUrl);
  url.username = 'x';
  url.password = token;
  const env = {
    PATH: process.env.PATH, HOME: dir, GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com',
  };
  const work = join(dir, 'work');
  const git = (...args) => execFileSync('git', args, { cwd: existsSync(work) ? work : dir, env, encoding: 'utf8', timeout: 60000 });
  try {
    git('clone', '-q', url.toString(), work);
    git('checkout', '-q', '-B', branch);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', message);
    git('push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return git('rev-parse', 'HEAD').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// index.d.ts cannot drift from the code: every export, class member and resource method it declares
// exists at runtime, and every public one the code has is declared. No TypeScript compiler (the SDK
// has no dependencies): index.d.ts is read with a small parser for the shapes it uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as sdk from '../src/index.js';

const DTS = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');

/** The body between the `{` at `open` and its matching `}`. */
function block(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}' && (depth -= 1) === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces after ${text.slice(open, open + 40)}`);
}

/** Split at commas (or semicolons) outside brackets; `=>` does not close a `<`. */
function splitTop(text, sep) {
  const parts = [];
  let depth = 0; let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if ('({[<'.includes(ch)) depth += 1;
    else if (')}]'.includes(ch) || (ch === '>' && text[i - 1] !== '=')) depth -= 1;
    else if (ch === sep && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Members of a class or interface body: { methods: Map(name -> [{ params, returns }]), props: Set }. */
function members(body) {
  const methods = new Map();
  const props = new Set();
  for (const member of splitTop(body, ';')) {
    const method = /^(\[Symbol\.\w+\]|\w+)\s*(?:<[^(]*>)?\s*\(/.exec(member);
    if (method) {
      const open = method[0].length - 1;
      let depth = 0; let close = open;
      for (; close < member.length; close += 1) {
        if (member[close] === '(') depth += 1;
        else if (member[close] === ')' && (depth -= 1) === 0) break;
      }
      const params = splitTop(member.slice(open + 1, close), ',').map((p) => ({ optional: /^\w+\?:/.test(p) }));
      const returns = member.slice(close + 1).replace(/^\s*:\s*/, '');
      if (method[1] === 'constructor') continue;
      if (!methods.has(method[1])) methods.set(method[1], []);
      methods.get(method[1]).push({ params, returns });
      continue;
    }
    const prop = /^(?:readonly\s+)?(\w+)\??\s*:\s*(.*)$/s.exec(member);
    if (prop) props.add(prop[1]);
  }
  return { methods, props };
}

function declarations() {
  const values = new Set();
  const classes = new Map();
  const interfaces = new Map();
  for (const match of DTS.matchAll(/^export\s+(const|function|class|interface|type|default)\s+(\w+)/gm)) {
    const [, kind, name] = match;
    if (kind === 'default') { values.add('default'); continue; }
    if (kind === 'type') continue;
    if (kind !== 'interface') values.add(name);
    if (kind === 'class' || kind === 'interface') {
      const open = DTS.indexOf('{', match.index);
      const head = DTS.slice(match.index, open);
      const parsed = members(block(DTS, open));
      (kind === 'class' ? classes : interfaces).set(name, { ...parsed, head });
    }
  }
  return { values, classes, interfaces };
}

const declared = declarations();
const ERROR_PROPS = new Set(['name', 'message', 'stack', 'cause']); // Error's own, declared by TypeScript's lib

/** Public methods a prototype chain adds, up to (not including) `stop`. */
function runtimeMethods(proto, stop = Object.prototype) {
  const names = new Set();
  for (let p = proto; p && p !== stop && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      const name = typeof key === 'symbol' ? `[${key.description}]` : key;
      if (name === 'constructor' || name.startsWith('_')) continue;
      if (typeof Object.getOwnPropertyDescriptor(p, key).value === 'function') names.add(name);
    }
  }
  return names;
}
const publicProps = (obj) => new Set(Object.keys(obj).filter((k) => !k.startsWith('_')));
const sorted = (set) => [...set].sort();

function fakeClient() {
  const fetch = async () => new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
  return new sdk.KizunaClient({ baseUrl: 'http://kizuna.invalid', token: 'kzp_x', fetch });
}

const samples = {
  KizunaClient: () => fakeClient(),
  PageList: () => fakeClient().paginate('/repos/o'),
};

test('index.d.ts declares exactly the values the module exports', () => {
  assert.deepEqual(sorted(declared.values), sorted(Object.keys(sdk)));
  for (const name of declared.values) {
    if (declared.classes.has(name)) assert.equal(typeof sdk[name], 'function', `${name} is declared a class`);
  }
  for (const match of DTS.matchAll(/^export function (\w+)\(/gm)) assert.equal(typeof sdk[match[1]], 'function', match[1]);
});

for (const [name, decl] of declared.classes) {
  test(`class ${name}: declared members and runtime members agree`, () => {
    const Cls = sdk[name];
    const parent = /\bextends\s+(\w+)/.exec(decl.head)?.[1];
    const stop = parent && sdk[parent] ? sdk[parent].prototype : Object.prototype;
    assert.deepEqual(sorted(runtimeMethods(Cls.prototype, stop)), sorted(decl.methods.keys()), `${name}'s methods`);
    const instance = samples[name] ? samples[name]() : new Cls('message');
    const inherited = new Set();
    for (let p = parent; p && declared.classes.has(p);) {
      for (const prop of declared.classes.get(p).props) inherited.add(prop);
      p = /\bextends\s+(\w+)/.exec(declared.classes.get(p).head)?.[1];
    }
    const own = new Set([...publicProps(instance)].filter((k) => !inherited.has(k) && !ERROR_PROPS.has(k)));
    assert.deepEqual(sorted(own), sorted(decl.props), `${name}'s properties`);
  });
}

test('every resource group: declared methods and runtime methods agree, and return what they declare', async () => {
  const client = fakeClient();
  const groups = [...declared.classes.get('KizunaClient').props].filter((p) => declared.interfaces.get(client[p]?.constructor?.name));
  assert.ok(groups.length >= 12, `resource groups found: ${groups}`);
  for (const group of groups) {
    const decl = declared.interfaces.get(client[group].constructor.name);
    assert.deepEqual(sorted(runtimeMethods(Object.getPrototypeOf(client[group]))), sorted(decl.methods.keys()), `client.${group}'s methods`);
    for (const [method, overloads] of decl.methods) {
      for (const { params, returns } of overloads) {
        const args = params.map((p) => (p.optional ? undefined : 'x'));
        const where = `client.${group}.${method}(${args.length} args): ${returns}`;
        const result = client[group][method](...args);
        if (returns.startsWith('PageList<')) {
          assert.ok(result instanceof sdk.PageList, where);
          assert.equal(result.then, undefined, `${where}: a PageList is not thenable`);
        } else if (returns.startsWith('AsyncGenerator<')) {
          assert.equal(typeof result[Symbol.asyncIterator], 'function', where);
          assert.ok(!(result instanceof Promise), where);
        } else {
          assert.ok(returns.startsWith('Promise<'), `${where}: unexpected declared type`);
          assert.ok(result instanceof Promise, where);
          const value = await result;
          if (/\[\]>$/.test(returns)) assert.ok(Array.isArray(value), `${where} resolved to ${value}`);
        }
      }
    }
  }
});

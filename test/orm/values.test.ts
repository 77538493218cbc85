// The literal model the DSL languages share: JSON and SQL literals from Ruby, JavaScript and
// Python values, with code and interpolated strings refused rather than guessed.
import { describe, expect, it } from 'vitest';
import { jsLiteral } from '../../src/orm/javascript.js';
import { pyLiteral, type PyValue } from '../../src/orm/python-values.js';
import { rubyLiteral, type RValue } from '../../src/orm/ruby-values.js';
import { toJson, toSqlLiteral } from '../../src/orm/values.js';
import type { JsValue } from '../../src/orm/javascript.js';

const node = {} as never;

describe('shared literal model', () => {
  it('Ruby: symbols read as strings, hashes as objects; a lambda is code', () => {
    const v: RValue = { kind: 'hash', pairs: new Map<string, RValue>([['tags', { kind: 'arr', items: [{ kind: 'sym', value: 'a' }, { kind: 'num', value: '2' }] }], ['on', { kind: 'bool', value: true }], ['x', { kind: 'nil' }]]) };
    expect(toJson(v, rubyLiteral)).toBe('{"tags":["a",2],"on":true,"x":null}');
    expect(toSqlLiteral<RValue>({ kind: 'sym', value: "it's" }, rubyLiteral)).toBe("'it''s'");
    expect(toSqlLiteral<RValue>({ kind: 'nil' }, rubyLiteral)).toBe('NULL');
    expect(toSqlLiteral<RValue>({ kind: 'lambda', body: undefined }, rubyLiteral)).toBeUndefined();
    expect(toJson<RValue>({ kind: 'arr', items: [{ kind: 'lambda', body: undefined }] }, rubyLiteral)).toBeUndefined();
  });

  it('JavaScript: objects and arrays; a template with substitutions is not a literal', () => {
    const v: JsValue = { kind: 'object', node, props: new Map<string, JsValue>([['n', { kind: 'num', value: '1.5', node }], ['s', { kind: 'str', value: 'x', interpolated: false, node }]]) };
    expect(toJson(v, jsLiteral)).toBe('{"n":1.5,"s":"x"}');
    expect(toSqlLiteral<JsValue>({ kind: 'bool', value: false, node }, jsLiteral)).toBe('false');
    expect(toSqlLiteral<JsValue>({ kind: 'str', value: '${a}', interpolated: true, node }, jsLiteral)).toBeUndefined();
    expect(toJson<JsValue>({ kind: 'array', node, items: [{ kind: 'str', value: '${a}', interpolated: true, node }] }, jsLiteral)).toBeUndefined();
    expect(toSqlLiteral<JsValue>({ kind: 'ref', path: 'Sequelize.NOW', node }, jsLiteral)).toBeUndefined();
  });

  it('Python: None is NULL, dicts are objects, a call is code', () => {
    const v: PyValue = { kind: 'dict', pairs: new Map<string, PyValue>([['a', { kind: 'list', items: [{ kind: 'none' }] }]]) };
    expect(toJson(v, pyLiteral)).toBe('{"a":[null]}');
    expect(toSqlLiteral<PyValue>({ kind: 'num', value: '42' }, pyLiteral)).toBe('42');
    expect(toSqlLiteral<PyValue>({ kind: 'none' }, pyLiteral)).toBe('NULL');
    expect(toSqlLiteral<PyValue>({ kind: 'list', items: [] }, pyLiteral)).toBeUndefined();
    expect(toSqlLiteral<PyValue>({ kind: 'name', name: 'timezone.now', node }, pyLiteral)).toBeUndefined();
  });
});

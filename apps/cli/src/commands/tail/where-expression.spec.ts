import { CliError } from '../../cli/cli-error';
import { compileWhere, type WhereInput } from './where-expression';

const rec = (data: unknown, key = 'sensor-1'): WhereInput => ({ data, key, shard: 'shardId-000000000001', sequence: '4960' });

describe('compileWhere', () => {
  it('compares numbers, strings and booleans on data paths', () => {
    expect(compileWhere('data.temp > 30')(rec({ temp: 31 }))).toBe(true);
    expect(compileWhere('data.temp > 30')(rec({ temp: 30 }))).toBe(false);
    expect(compileWhere('data.temp >= 30')(rec({ temp: 30 }))).toBe(true);
    expect(compileWhere('data.temp < -5.5')(rec({ temp: -6 }))).toBe(true);
    expect(compileWhere('data.temp <= 1e2')(rec({ temp: 100 }))).toBe(true);
    expect(compileWhere('data.site == "north"')(rec({ site: 'north' }))).toBe(true);
    expect(compileWhere("data.site != 'north'")(rec({ site: 'north' }))).toBe(false);
    expect(compileWhere('data.ok == true')(rec({ ok: true }))).toBe(true);
    expect(compileWhere('data.gone == null')(rec({ gone: null }))).toBe(true);
  });

  it('reads nested paths and indexes, and the key, shard and sequence roots', () => {
    expect(compileWhere('data.a.b[1] == 2')(rec({ a: { b: [1, 2] } }))).toBe(true);
    expect(compileWhere('data["odd key"] == 1')(rec({ 'odd key': 1 }))).toBe(true);
    expect(compileWhere('key == "sensor-1"')(rec({}))).toBe(true);
    expect(compileWhere('shard ~ "0001"')(rec({}))).toBe(true);
    expect(compileWhere('sequence == "4960"')(rec({}))).toBe(true);
  });

  it('combines with && || ! and words, with precedence and parentheses', () => {
    const p = compileWhere('data.a > 1 || data.b > 1 && data.c > 1');
    expect(p(rec({ a: 2, b: 0, c: 0 }))).toBe(true);
    expect(p(rec({ a: 0, b: 2, c: 0 }))).toBe(false);
    expect(compileWhere('(data.a > 1 || data.b > 1) && data.c > 1')(rec({ a: 2, b: 0, c: 0 }))).toBe(false);
    expect(compileWhere('not data.alarm')(rec({ alarm: false }))).toBe(true);
    expect(compileWhere('!data.alarm and key == "sensor-1"')(rec({ alarm: true }))).toBe(false);
    expect(compileWhere('data.x > 1 or data.y > 1')(rec({ y: 2 }))).toBe(true);
  });

  it('is false, never an exception, on missing paths, text and binary data and mixed types', () => {
    const p = compileWhere('data.temp > 30');
    expect(p(rec(undefined))).toBe(false);
    expect(p(rec('plain text'))).toBe(false);
    expect(p(rec({ temp: '31' }))).toBe(false);
    expect(p(rec([1, 2]))).toBe(false);
    expect(compileWhere('data.temp != 30')(rec({}))).toBe(true);
    expect(compileWhere('data ~ "err"')(rec('an error happened'))).toBe(true);
    expect(compileWhere('data.tags ~ "hot"')(rec({ tags: ['hot', 'wet'] }))).toBe(true);
  });

  it('does not reach prototype properties', () => {
    expect(compileWhere('data.constructor')(rec({}))).toBe(false);
    expect(compileWhere('data.__proto__ != null')(rec({}))).toBe(true);
    expect(compileWhere('data.toString')(rec({}))).toBe(false);
  });

  it.each([
    ['data.temp >', /ends where a value was expected/],
    ['temp > 30', /unknown name "temp"/],
    ['data.temp > 30 )', /unexpected "\)"/],
    ['(data.temp > 30', /"\(" is not closed/],
    ['data.site == "north', /not closed/],
    ['data.temp # 3', /unexpected "#"/],
    ['data. > 3', /a name must follow/],
    ['process.exit()', /unknown name "process"/],
  ])('refuses %j with a usage error (%s)', (source, message) => {
    let error: unknown;
    try {
      compileWhere(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(message);
  });
});

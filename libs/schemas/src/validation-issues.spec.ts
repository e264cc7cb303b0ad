import { formatIssuePath } from './validation-issues';

describe('formatIssuePath', () => {
  it.each<[PropertyKey[], string]>([
    [[], ''],
    [['deviceId'], 'deviceId'],
    [['metrics', 'temp'], 'metrics.temp'],
    [['metrics', 'cpu.load'], 'metrics["cpu.load"]'],
    [['metrics', ''], 'metrics[""]'],
    [['metrics', 'a"b'], 'metrics["a\\"b"]'],
    [['records', 3, 'seq'], 'records[3].seq'],
    [[0, 'x'], '[0].x'],
    [['1abc'], '["1abc"]'],
  ])('%j → %s', (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});

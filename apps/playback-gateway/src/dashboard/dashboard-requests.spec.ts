import { queryRecord, validate } from '../api/api-requests';
import { invalid } from '../testing/invalid-request';
import { deviceIdParam, noQuerySchema, rollupQuerySchema } from './dashboard-requests';

describe('dashboard requests', () => {
  it.each([
    ['/x', 30],
    ['/x?minutes=1', 1],
    ['/x?minutes=1440', 1440],
  ])('reads the rollup query %s', (url, minutes) => {
    expect(validate(rollupQuerySchema, queryRecord(url), 'rollup query')).toEqual({ minutes });
  });

  it.each([
    ['/x?minutes=0', /must be >= 1/],
    ['/x?minutes=1441', /must be <= 1440/],
    ['/x?minutes=1e3', /expected whole minutes/],
    ['/x?minutes=-5', /expected whole minutes/],
    ['/x?minutes=30&metric=temp', /unknown "metric"/],
    ['/x?minutes=30&minutes=60', /given twice/],
  ])('refuses the rollup query %s', (url, message) => {
    expect(invalid(() => validate(rollupQuerySchema, queryRecord(url), 'rollup query'))).toMatch(message);
  });

  it('refuses any parameter where none is taken', () => {
    expect(validate(noQuerySchema, queryRecord('/x'), 'query')).toEqual({});
    expect(invalid(() => validate(noQuerySchema, queryRecord('/x?limit=5'), 'query'))).toMatch(/unknown "limit"/);
  });

  it.each(['dev-001', 'plant.3:line-2', 'a'.repeat(128)])('accepts the device id %s', (id) => {
    expect(deviceIdParam(id)).toBe(id);
  });

  it.each(['', 'a'.repeat(129), 'dev/1', 'dev 1', 'dév', '../x'])('refuses the device id %j', (id) => {
    expect(invalid(() => deviceIdParam(id))).toMatch(/device id/);
  });
});

import { queryRecord, validate } from '../api/api-requests';
import { invalid } from '../testing/invalid-request';
import { consumerHistoryQuerySchema, deviceIdParam, noQuerySchema, parseDeviceListQuery, rollupQuerySchema } from './dashboard-requests';

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

  it.each([
    ['/x', { limit: 50, offset: 0, sort: { by: 'device' }, order: 'asc' }],
    ['/x?limit=500&offset=1000&q=Sim-0&sort=age&order=desc', { limit: 500, offset: 1000, q: 'sim-0', sort: { by: 'age' }, order: 'desc' }],
    ['/x?sort=seq&q=', { limit: 50, offset: 0, sort: { by: 'seq' }, order: 'asc' }],
    ['/x?sort=metric:temperature_c', { limit: 50, offset: 0, sort: { by: 'metric', metric: 'temperature_c' }, order: 'asc' }],
  ])('reads the device list query %s', (url, expected) => {
    expect(parseDeviceListQuery(queryRecord(url))).toEqual(expected);
  });

  it.each([
    ['/x?limit=0', /must be >= 1/],
    ['/x?limit=501', /must be <= 500/],
    ['/x?offset=-1', /whole number/],
    ['/x?q=a%20b', /device id/],
    ['/x?sort=name', /device, age, seq or metric/],
    ['/x?sort=metric:', /device, age, seq or metric/],
    ['/x?sort=metric:a%20b', /device, age, seq or metric/],
    ['/x?order=up', /order/],
    ['/x?page=2', /unknown "page"/],
  ])('refuses the device list query %s', (url, message) => {
    expect(invalid(() => parseDeviceListQuery(queryRecord(url)))).toMatch(message);
  });

  it('reads the history look-back', () => {
    expect(validate(consumerHistoryQuerySchema, queryRecord('/x'), 'q')).toEqual({ minutes: 15 });
    expect(validate(consumerHistoryQuerySchema, queryRecord('/x?minutes=60'), 'q')).toEqual({ minutes: 60 });
    expect(invalid(() => validate(consumerHistoryQuerySchema, queryRecord('/x?minutes=61'), 'q'))).toMatch(/must be <= 60/);
  });
});

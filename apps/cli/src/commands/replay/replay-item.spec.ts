import { toDeadLetterEnvelope, type DeadLetterEntry } from '@tributary/kinesis-consumer';
import { entryOfDeadLetterLine, entryOfStreamRecord } from './replay-item';

const deadLetter: DeadLetterEntry = {
  record: {
    shardId: 'shardId-000000000001',
    data: Buffer.from('{"temp":21}'),
    partitionKey: 'dev-1',
    explicitHashKey: '42',
    sequenceNumber: '49650000000000000000000000000000000000000000000000000001',
    subSequenceNumber: 3,
    aggregated: true,
    aggregateSize: 5,
    approximateArrivalTimestamp: new Date('2026-12-07T06:00:00Z'),
  },
  streamName: 'telemetry',
  condition: 'RetryAttemptsExhausted',
  error: { name: 'Error', message: 'boom' },
  attempts: 4,
  firstFailureAt: new Date('2026-12-07T06:00:01Z'),
  lastFailureAt: new Date('2026-12-07T06:00:05Z'),
};
const envelopeJson = JSON.stringify(toDeadLetterEnvelope(deadLetter));

describe('entryOfDeadLetterLine', () => {
  it('unwraps the envelope the sinks write: original data, keys, and the original position as the id', () => {
    const entry = entryOfDeadLetterLine(envelopeJson, 'dlq.jsonl:1');
    expect(entry).toEqual({
      item: {
        id: 'telemetry/shardId-000000000001/49650000000000000000000000000000000000000000000000000001/3',
        partitionKey: 'dev-1',
        explicitHashKey: '42',
        data: Buffer.from('{"temp":21}'),
        where: 'dlq.jsonl:1',
      },
    });
  });

  it.each([
    ['{"stream":"x"', 'not JSON'],
    ['{"a":1}', 'not a dead-letter envelope (stream, shardId, sequenceNumber, data, ... expected)'],
  ])('skips %j: %s', (line, reason) => {
    expect(entryOfDeadLetterLine(line, 'f:2')).toEqual({ skip: { where: 'f:2', reason } });
  });

  it('skips an envelope whose data the sink left out', () => {
    const omitted = JSON.stringify({ ...JSON.parse(envelopeJson), data: '', dataOmitted: true, dataBytes: 900000 });
    expect(entryOfDeadLetterLine(omitted, 'f:3')).toEqual({
      skip: { where: 'f:3', reason: 'the dead-letter sink left the data out (900000 bytes, too large for its stream): nothing to replay' },
    });
  });
});

describe('entryOfStreamRecord', () => {
  const base = { stream: 'src', shardId: 'shardId-000000000000', sequenceNumber: '123', subSequenceNumber: 0, partitionKey: 'k' };

  it('sends an ordinary record as it is, identified by its position', () => {
    expect(entryOfStreamRecord({ ...base, data: Buffer.from('{"a":1}') }, true)).toEqual({
      item: { id: 'src/shardId-000000000000/123/0', partitionKey: 'k', data: Buffer.from('{"a":1}'), where: 'src/shardId-000000000000/123' },
    });
  });

  it('unwraps a record of a dead-letter stream, which then has the id of the original record', () => {
    const entry = entryOfStreamRecord({ ...base, data: Buffer.from(envelopeJson) }, true);
    expect('item' in entry && entry.item.id).toBe('telemetry/shardId-000000000001/49650000000000000000000000000000000000000000000000000001/3');
    expect('item' in entry && Buffer.from(entry.item.data).toString()).toBe('{"temp":21}');
  });

  it('leaves an envelope wrapped when told to', () => {
    const entry = entryOfStreamRecord({ ...base, subSequenceNumber: 2, data: Buffer.from(envelopeJson) }, false);
    expect('item' in entry && entry.item.id).toBe('src/shardId-000000000000/123/2');
    expect('item' in entry && entry.item.where).toBe('src/shardId-000000000000/123:2');
  });
});

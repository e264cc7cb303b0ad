import pc from 'picocolors';
import { formatTables, jsonLines, kdsRow, kvsRow } from './stream-rows';

const plain = pc.createColors(false);

describe('stream rows', () => {
  const kds = kdsRow(
    {
      StreamName: 'orders',
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      OpenShardCount: 3,
      RetentionPeriodHours: 48,
      ConsumerCount: 1,
      EnhancedMonitoring: [{ ShardLevelMetrics: ['IncomingBytes'] }],
      EncryptionType: 'NONE',
      StreamCreationTimestamp: new Date('2026-12-01T00:00:00Z'),
    },
    5,
  );
  const kvs = kvsRow({ StreamName: 'door-cam', Status: 'ACTIVE', MediaType: 'video/h264', DataRetentionInHours: 24, CreationTime: new Date('2026-12-02T00:00:00Z') });

  it('computes shard counts and capacity from a KDS summary', () => {
    expect(kds).toMatchObject({ kind: 'kds', name: 'orders', mode: 'PROVISIONED', openShards: 3, closedShards: 2, retentionHours: 48, consumers: 1 });
    expect(kds).toMatchObject({ writeMiBps: 3, writeRecordsPerSecond: 3000, readMiBps: 6, enhancedMetrics: ['IncomingBytes'], created: '2026-12-01T00:00:00.000Z' });
  });

  it('prints JSON lines, one object per stream', () => {
    const lines = jsonLines([kds, kvs]).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).kind)).toEqual(['kds', 'kvs']);
    expect(JSON.parse(lines[1])).toEqual({ kind: 'kvs', name: 'door-cam', status: 'ACTIVE', mediaType: 'video/h264', retentionHours: 24, created: '2026-12-02T00:00:00.000Z' });
  });

  it('prints aligned tables for a terminal, with the capacity note', () => {
    const text = formatTables([kds, kvsRow({ StreamName: 'x', Status: 'CREATING', DataRetentionInHours: 0 }), kvs], plain);
    expect(text).toContain('Kinesis Data Streams\nNAME    STATUS  MODE         SHARDS            RETENTION  EFO  WRITE CAPACITY        READ CAPACITY\n');
    expect(text).toContain('orders  ACTIVE  provisioned  3 open, 2 closed  2d         1    3 MiB/s, 3,000 rec/s  6 MiB/s\n');
    expect(text).toContain('not measured traffic');
    expect(text).toContain('x         CREATING  -           none       -\n');
    expect(text).toContain('door-cam  ACTIVE    video/h264  1d         2026-12-02T00:00:00.000Z\n');
  });

  it('colours status only when colours are on, keeping columns aligned', () => {
    const colored = formatTables([kds], pc.createColors(true));
    expect(colored).toContain('\u001b[32mACTIVE');
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(formatTables([kds], plain));
  });

  it('says where to look when there are no streams', () => {
    expect(formatTables([], plain)).toContain('no streams');
  });
});

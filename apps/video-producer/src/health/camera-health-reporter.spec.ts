import { EventEmitter } from 'node:events';
import { CreateTableCommand, DescribeTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SessionStats } from '@tributary/kvs';
import { FakeTimers } from '@tributary/runtime/testing';
import { parseCameraHealthItem, type CameraHealthItem } from '@tributary/schemas';
import { CameraHealthReporter, quantile, type ReportedCamera } from './camera-health-reporter';

const T0 = Date.UTC(2026, 11, 5, 23, 0, 0);

const awsError = (name: string): Error => Object.assign(new Error(name), { name });

/** A PutMedia session as the reporter sees it: events and stats, set by the test. */
class FakeSession {
  private readonly emitter = new EventEmitter();
  statsValue: SessionStats = {
    state: 'open',
    connected: true,
    connections: 1,
    queued: 0,
    inFlight: 1,
    unsettled: 1,
    totals: { fragmentsSent: 0, fragmentsResent: 0, fragmentsPersisted: 0, fragmentsFailed: 0, bytesSent: 0, reconnects: 0, ackErrors: 0, malformedAcks: 0 },
  };
  on(event: string, listener: (payload: unknown) => void): this {
    this.emitter.on(event, listener);
    return this;
  }
  off(event: string, listener: (payload: unknown) => void): this {
    this.emitter.off(event, listener);
    return this;
  }
  stats(): SessionStats {
    return this.statsValue;
  }
  sent(bytes: number): void {
    this.emitter.emit('fragment-sent', { streamName: 's', timecode: 0, bytes, sendCount: 1 });
  }
  persisted(ackLatencyMs: number): void {
    this.emitter.emit('fragment-persisted', { streamName: 's', timecode: 0, ackLatencyMs, sendCount: 1 });
  }
  get listeners(): number {
    return this.emitter.listenerCount('fragment-sent') + this.emitter.listenerCount('fragment-persisted');
  }
}

/** DescribeTable / CreateTable / PutItem on a map; failures scripted. */
class FakeDynamo {
  tableExists = true;
  items = new Map<string, CameraHealthItem>();
  puts: CameraHealthItem[] = [];
  calls: string[] = [];
  failPut: Error | undefined;
  failDescribe: Error | undefined;
  async send(command: unknown): Promise<unknown> {
    if (command instanceof DescribeTableCommand) {
      this.calls.push('DescribeTable');
      if (this.failDescribe) throw this.failDescribe;
      if (!this.tableExists) throw awsError('ResourceNotFoundException');
      return {
        Table: {
          TableStatus: 'ACTIVE',
          KeySchema: [{ AttributeName: 'streamName', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'streamName', AttributeType: 'S' }],
        },
      };
    }
    if (command instanceof CreateTableCommand) {
      this.calls.push(`CreateTable ${command.input.BillingMode} ${command.input.KeySchema?.[0]?.AttributeName}`);
      this.tableExists = true;
      return {};
    }
    if (command instanceof PutItemCommand) {
      this.calls.push('PutItem');
      if (this.failPut) throw this.failPut;
      const item = unmarshall(command.input.Item ?? {}) as CameraHealthItem;
      this.items.set(item.streamName, item);
      this.puts.push(item);
      return {};
    }
    throw new Error('unexpected command');
  }
}

function setup(options: { cameras?: number } = {}) {
  const time = new FakeTimers(T0);
  const dynamo = new FakeDynamo();
  const warnings: string[] = [];
  const sessions = Array.from({ length: options.cameras ?? 1 }, () => new FakeSession());
  const capture = sessions.map(() => ({ running: true, spooled: 0, lastFragmentAt: undefined as number | undefined }));
  const cameras: ReportedCamera[] = sessions.map((session, i) => ({
    streamName: `camera-${i + 1}`,
    session: session as unknown as ReportedCamera['session'],
    spooledFragments: () => capture[i].spooled,
    capturing: () => capture[i].running,
    lastFragmentAt: () => capture[i].lastFragmentAt,
  }));
  const reporter = new CameraHealthReporter({
    client: dynamo as unknown as DynamoDBClient,
    tableName: 'video-camera-health',
    producerId: 'edge-1',
    cameras,
    clock: time,
    timers: time,
    logger: { info: () => undefined, debug: () => undefined, warn: (_o: unknown, msg?: string) => warnings.push(msg ?? '') },
  });
  return { time, dynamo, sessions, capture, reporter, warnings };
}

describe('quantile', () => {
  it('takes the nearest rank', () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([40, 10, 30, 20], 0.5)).toBe(20);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.5)).toBe(50);
  });
});

describe('CameraHealthReporter', () => {
  it('writes each camera’s item every interval from the session’s events, figures over that interval', async () => {
    const { time, dynamo, sessions, capture, reporter } = setup();
    reporter.start();
    capture[0].lastFragmentAt = T0 + 3_000;
    capture[0].spooled = 2;
    // 5 s: two 2-s fragments of 250 kB sent, two PERSISTED acks at 120 and 480 ms.
    sessions[0].sent(250_000);
    sessions[0].sent(250_000);
    await time.advance(1_000);
    sessions[0].persisted(480);
    sessions[0].persisted(120);
    await time.advance(3_999);
    expect(dynamo.puts).toHaveLength(0);
    await time.advance(1);
    expect(dynamo.puts).toHaveLength(1);
    const item = dynamo.items.get('camera-1');
    expect(item).toEqual({
      streamName: 'camera-1',
      producerId: 'edge-1',
      state: 'streaming',
      fragmentsAcked: 2,
      fragmentsPerSecond: 0.4,
      bitrateKbps: 800,
      ackLatencyP50Ms: 120,
      ackLatencyP99Ms: 480,
      lastFragmentAt: T0 + 3_000,
      lastAckAt: T0 + 1_000,
      spooledFragments: 2,
      intervalMs: 5_000,
      updatedAt: T0 + 5_000,
    });
    expect(parseCameraHealthItem(item).ok).toBe(true);

    // The next interval starts from zero; the acked total goes on.
    sessions[0].persisted(200);
    await time.advance(5_000);
    expect(dynamo.items.get('camera-1')).toMatchObject({ fragmentsAcked: 3, fragmentsPerSecond: 0.2, bitrateKbps: 0, ackLatencyP50Ms: 200, ackLatencyP99Ms: 200, updatedAt: T0 + 10_000 });
    // Nothing acked in an interval: no latency figures, and the camera is buffering.
    await time.advance(5_000);
    const quiet = dynamo.items.get('camera-1');
    expect(quiet).toMatchObject({ state: 'buffering', fragmentsPerSecond: 0, lastAckAt: T0 + 5_000 });
    expect(quiet).not.toHaveProperty('ackLatencyP50Ms');
    await reporter.stop();
  });

  it('reports reconnecting without a connection, and stopped after capture ended and the backlog settled', async () => {
    const { dynamo, sessions, capture, reporter } = setup({ cameras: 2 });
    sessions[0].statsValue = { ...sessions[0].statsValue, connected: false };
    sessions[1].persisted(100);
    await reporter.tick();
    expect(dynamo.items.get('camera-1')?.state).toBe('reconnecting');
    expect(dynamo.items.get('camera-2')?.state).toBe('streaming');
    capture[1].running = false;
    sessions[1].statsValue = { ...sessions[1].statsValue, unsettled: 0 };
    await reporter.stop();
    expect(dynamo.items.get('camera-2')?.state).toBe('stopped');
    expect(sessions.map((s) => s.listeners)).toEqual([0, 0]);
  });

  it('adds a recording camera\'s backlog and upload rate to its item; a camera that does not record has none', async () => {
    const time = new FakeTimers(T0);
    const dynamo = new FakeDynamo();
    const session = new FakeSession();
    const base = { session: session as unknown as ReportedCamera['session'], spooledFragments: () => 0, capturing: () => true, lastFragmentAt: () => undefined };
    const reporter = new CameraHealthReporter({
      client: dynamo as unknown as DynamoDBClient,
      tableName: 'video-camera-health',
      producerId: 'edge-1',
      cameras: [
        { ...base, streamName: 'recording', disconnectedByDesign: () => true, recording: () => ({ recording: 'recording', backlogFragments: 121, backlogBytes: 1_970_842, backlogAgeSeconds: 10_800, uploadBytesPerSecond: 246_900 }) },
        { ...base, streamName: 'plain' },
      ],
      clock: time,
      timers: time,
    });
    await reporter.tick();
    expect(dynamo.items.get('recording')).toMatchObject({ recording: 'recording', backlogFragments: 121, backlogBytes: 1_970_842, backlogAgeSeconds: 10_800, uploadBytesPerSecond: 246_900 });
    expect(parseCameraHealthItem(dynamo.items.get('recording')).ok).toBe(true);
    expect(dynamo.items.get('plain')?.recording).toBeUndefined();
    expect(dynamo.items.get('plain')?.backlogFragments).toBeUndefined();
    // Not connected: a camera whose backlog turn has the connection is not reconnecting; one without a reason is.
    session.statsValue = { ...session.statsValue, connected: false, held: true };
    await reporter.tick();
    expect(dynamo.items.get('recording')?.state).toBe('buffering');
    expect(dynamo.items.get('plain')?.state).toBe('reconnecting');
    await reporter.stop();
  });

  it('creates a missing table (hash streamName, PAY_PER_REQUEST) at its first write', async () => {
    const { dynamo, reporter } = setup();
    dynamo.tableExists = false;
    await reporter.tick();
    expect(dynamo.calls).toEqual(['DescribeTable', 'CreateTable PAY_PER_REQUEST streamName', 'DescribeTable', 'PutItem']);
    await reporter.tick();
    expect(dynamo.calls.slice(4)).toEqual(['PutItem']);
  });

  it('logs a failed write or an unreachable table, never throws, and tries again at the next interval', async () => {
    const { time, dynamo, reporter, warnings } = setup();
    dynamo.failDescribe = awsError('AccessDeniedException');
    reporter.start();
    await time.advance(5_000);
    expect(warnings).toEqual(['camera-health table not ready; trying again at the next interval']);
    dynamo.failDescribe = undefined;
    dynamo.failPut = awsError('ProvisionedThroughputExceededException');
    await time.advance(5_000);
    expect(warnings[1]).toBe('camera health not written; trying again at the next interval');
    dynamo.failPut = undefined;
    await time.advance(5_000);
    expect(dynamo.puts).toHaveLength(1);
    expect(reporter.stats()).toEqual({ written: 1, failed: 2 });
    await reporter.stop();
  });

  it('gives up on the final write at stop after its timeout (an unreachable table must not hold shutdown)', async () => {
    const { time, dynamo, reporter, warnings } = setup();
    await reporter.tick();
    dynamo.send = () => new Promise(() => undefined);
    const stopped = reporter.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await time.advance(2_999);
    expect(done).toBe(false);
    await time.advance(1);
    await stopped;
    expect(warnings).toEqual(['final camera health not written in time; stopping without it']);
  });

  it('does not start a second round while one is in flight', async () => {
    const { dynamo, reporter } = setup();
    const rounds = [reporter.tick(), reporter.tick()];
    expect(rounds[0]).toBe(rounds[1]);
    await Promise.all(rounds);
    expect(dynamo.puts).toHaveLength(1);
  });
});

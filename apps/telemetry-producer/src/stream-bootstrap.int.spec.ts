/** The start-up stream check against the emulator: what an operator sees when the stream or endpoint is wrong. */
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { ensureStream, StartupError } from './stream-bootstrap';
import { systemClock } from './clock';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const logger = pino({ level: 'silent' });

async function startupErrorOf(promise: Promise<unknown>): Promise<StartupError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StartupError) return err;
    throw err;
  }
  throw new Error('expected a StartupError');
}

describe('ensureStream', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;
  const name = `bootstrap-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    client = new KinesisClient({ endpoint: emu.url, region: 'eu-west-1', credentials: CREDENTIALS });
  });

  afterAll(async () => {
    client?.destroy();
    await emu?.close();
  });

  it('names the stream, region and endpoint when the stream is missing', async () => {
    const err = await startupErrorOf(ensureStream({ client, streamName: name, createShards: 0, clock: systemClock, logger }));
    expect(err.message).toBe(
      `Stream "${name}" does not exist (region eu-west-1, ${emu.url}). Create it, point --stream / TELEMETRY_STREAM at an existing one, ` +
        'or start with --create-stream <shards> to create it (local use).',
    );
  });

  it('creates it when asked, and accepts it as it is the next time', async () => {
    await ensureStream({ client, streamName: name, createShards: 3, clock: systemClock, logger });
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 3 });
    await ensureStream({ client, streamName: name, createShards: 1, clock: systemClock, logger });
    expect((await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.OpenShardCount).toBe(3);
  });

  it('says Kinesis cannot be reached when nothing listens at the endpoint', async () => {
    const closed = await startEmulator({ port: 0 });
    const url = closed.url;
    await closed.close();
    const nowhere = new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const err = await startupErrorOf(ensureStream({ client: nowhere, streamName: 'x', createShards: 0, clock: systemClock, logger }));
    nowhere.destroy();
    expect(err.message).toContain(`Cannot use stream "x" (region us-east-1, ${url})`);
    expect(err.message).toContain('Kinesis could not be reached: check AWS_ENDPOINT_URL');
  });

  // Regression (issue 19): with the endpoint in AWS_ENDPOINT_URL (how every app is pointed at the emulator) the
  // message said "the AWS endpoint of us-east-1", as if the app had called AWS.
  it('names the endpoint set by AWS_ENDPOINT_URL when nothing listens there', async () => {
    const closed = await startEmulator({ port: 0 });
    const url = closed.url;
    await closed.close();
    const saved = process.env['AWS_ENDPOINT_URL'];
    process.env['AWS_ENDPOINT_URL'] = url;
    const fromEnvironment = new KinesisClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const err = await startupErrorOf(ensureStream({ client: fromEnvironment, streamName: 'x', createShards: 0, clock: systemClock, logger }));
      expect(err.message).toContain(`Cannot use stream "x" (region us-east-1, ${url}): `);
      expect(err.message).not.toContain('the AWS endpoint of');
    } finally {
      fromEnvironment.destroy();
      if (saved === undefined) delete process.env['AWS_ENDPOINT_URL'];
      else process.env['AWS_ENDPOINT_URL'] = saved;
    }
  });
});

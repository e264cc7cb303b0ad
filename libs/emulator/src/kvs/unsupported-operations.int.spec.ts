/**
 * Kinesis Video Streams operations the emulator does not serve, through the official
 * @aws-sdk/client-kinesis-video v3 client over both handlers (and, for the signaling data plane, whose client is
 * not a dependency, a signed-looking POST as that client sends it): 404 UnknownOperationException in KVS's error
 * envelope, raised by the SDK by name with a message that says what to use instead.
 */
import {
  CreateSignalingChannelCommand,
  DescribeImageGenerationConfigurationCommand,
  DescribeMappedResourceConfigurationCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoServiceException,
  StartEdgeConfigurationUpdateCommand,
  UpdateMediaStorageConfigurationCommand,
  UpdateNotificationConfigurationCommand,
} from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '../emulator';
import { errorOf, FAKE_AUTHORIZATION, jsonOf, rawRequest } from '../testing/kds-test-clients';
import { createKinesisVideoClient, KVS_HANDLERS } from '../testing/kvs-test-clients';

const STREAM_ARN = 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/s/1';
const CHANNEL_ARN = 'arn:aws:kinesisvideo:us-east-1:000000000000:channel/c/1';

/** [operation, a fresh command, words of what to use instead]. */
const CASES = [
  ['CreateSignalingChannel', () => new CreateSignalingChannelCommand({ ChannelName: 'c' }), 'WebRTC signaling channels are not emulated; use a real AWS account for KVS WebRTC'],
  ['GetSignalingChannelEndpoint', () => new GetSignalingChannelEndpointCommand({ ChannelARN: CHANNEL_ARN }), 'WebRTC signaling channels are not emulated'],
  [
    'StartEdgeConfigurationUpdate',
    () =>
      new StartEdgeConfigurationUpdateCommand({
        StreamARN: STREAM_ARN,
        EdgeConfig: { HubDeviceArn: 'arn:aws:iot:us-east-1:000000000000:thing/t', RecorderConfig: { MediaSourceConfig: { MediaUriSecretArn: 'x', MediaUriType: 'RTSP_URI' } } },
      }),
    'run the camera into PutMedia',
  ],
  ['DescribeImageGenerationConfiguration', () => new DescribeImageGenerationConfigurationCommand({ StreamARN: STREAM_ARN }), 'call GetImages on the stream'],
  ['UpdateNotificationConfiguration', () => new UpdateNotificationConfigurationCommand({ StreamARN: STREAM_ARN }), 'poll ListFragments'],
  [
    'UpdateMediaStorageConfiguration',
    () => new UpdateMediaStorageConfigurationCommand({ ChannelARN: CHANNEL_ARN, MediaStorageConfiguration: { Status: 'ENABLED', StreamARN: STREAM_ARN } }),
    'media storage configuration',
  ],
  ['DescribeMappedResourceConfiguration', () => new DescribeMappedResourceConfigurationCommand({ StreamARN: STREAM_ARN }), 'use a real AWS account for KVS WebRTC ingestion'],
] as const;

describe('unsupported Kinesis Video Streams operations', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  describe.each(KVS_HANDLERS)('through the SDK over %s', (handler) => {
    it.each(CASES)('%s answers UnknownOperationException naming what to use instead', async (operation, command, instead) => {
      const client = createKinesisVideoClient(emu.url, handler, { maxAttempts: 1 });
      try {
        const err = await errorOf(client.send(command() as never));
        expect(err).toBeInstanceOf(KinesisVideoServiceException);
        expect(err.name).toBe('UnknownOperationException');
        expect(err.$metadata.httpStatusCode).toBe(404);
        expect(err.message).toMatch(new RegExp(`^${operation} is not supported by the emulator: `));
        expect(err.message).toContain(instead);
      } finally {
        client.destroy();
      }
    });
  });

  it.each([
    ['/v1/get-ice-server-config', 'GetIceServerConfig', { ChannelARN: CHANNEL_ARN }],
    ['/v1/send-alexa-offer-to-master', 'SendAlexaOfferToMaster', { ChannelARN: CHANNEL_ARN, SenderClientId: 'x', MessagePayload: 'e30=' }],
  ])('signaling data plane %s: the same answer on the wire', async (path, operation, body) => {
    const res = await rawRequest(emu.url, 'http/1.1', {
      path,
      headers: { 'content-type': 'application/json', 'x-amz-date': '20240101T000000Z', authorization: FAKE_AUTHORIZATION },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(404);
    expect(String(res.headers['x-amzn-errortype'])).toMatch(/^UnknownOperationException:/);
    expect(jsonOf(res)).toEqual({
      __type: 'UnknownOperationException',
      Message: `${operation} is not supported by the emulator: WebRTC signaling channels are not emulated; use a real AWS account for KVS WebRTC.`,
    });
  });
});

/**
 * What the systemd unit and its EnvironmentFile give the bundled producer (deploy/), for the bundle specs (x86-64
 * and arm64) that start it the way the unit does: nothing of the test's own environment (no NODE_PATH).
 */
import { join } from 'node:path';

export function unitEnvironment(options: { work: string; camerasFile: string; ffmpegPath: string; endpoint: string; region: string }): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    NODE_ENV: 'production',
    VIDEO_CONFIG: options.camerasFile,
    VIDEO_SPOOL_DIR: join(options.work, 'var', 'lib', 'video-producer', 'spool'),
    VIDEO_SPOOL_MAX_BYTES: '64mb',
    VIDEO_HOST: '127.0.0.1',
    VIDEO_PORT: '0',
    VIDEO_CREATE_STREAM: 'on',
    FFMPEG_PATH: options.ffmpegPath,
    AWS_REGION: options.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: options.endpoint,
  };
}

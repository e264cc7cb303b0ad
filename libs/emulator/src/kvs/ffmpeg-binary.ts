/**
 * Which ffmpeg the emulator runs for GetImages: the system one (`/usr/bin/ffmpeg`, what the Docker image and CI
 * carry) when present, else the static build of `@ffmpeg-installer/ffmpeg`. Resolved once, lazily: an emulator
 * that never serves GetImages never looks.
 */
import * as fs from 'node:fs';

const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

let resolved: string | undefined;

export function ffmpegBinary(): string {
  if (resolved !== undefined) return resolved;
  if (fs.existsSync(SYSTEM_FFMPEG)) resolved = SYSTEM_FFMPEG;
  // Loaded only when needed: the package resolves a platform-specific binary when required.
  else resolved = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  return resolved;
}

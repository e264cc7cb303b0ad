/**
 * The settings of local recording and scheduled upload (the KVS Edge Agent's RecorderConfig, UploaderConfig with
 * ScheduleConfig, and DeletionConfig's LocalSizeConfig / EdgeRetentionInHours), as flags and variables for every
 * camera and as a camera's `recording` object in the config file, whose fields override the flag values.
 * video-producer-config.ts wires them into the app's one schema.
 */
import { z } from 'zod';
import { booleanSetting, byteSizeSetting, integerSetting as integer } from '@tributary/schemas';
import { UploadSchedule } from '../upload/upload-schedule';

/** One camera's recording and upload, as resolved. */
export interface CameraRecordingConfig {
  enabled: boolean;
  /** The camera's recording lives in `<dir>/<stream>`. */
  dir: string;
  maxBytes: number;
  maxAgeHours: number;
  /** Cron (croner syntax, UTC); undefined: the backlog may go up whenever KVS is reachable. */
  uploadSchedule?: string;
  uploadWindowSeconds: number;
  /** Upload cap in Mbit/s (live and backlog together; live first); undefined: no cap. */
  uploadMaxMbps?: number;
  /** Send live video as it is captured (else only the schedule uploads). */
  liveUpload: boolean;
  /** Live video not sent within this long joins the backlog instead of going ahead of it. */
  liveWindowMs: number;
}

const cronSetting = z
  .string()
  .trim()
  .min(1)
  .refine(
    (s) => {
      try {
        new UploadSchedule(s, 1);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'expected a cron expression (5 fields, or 6 with seconds first; Quartz ? allowed), e.g. "0 0 2 * * ?"' },
  );

const mbpsSetting = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, { error: 'expected a number of Mbit/s, e.g. 2 or 0.5' })
  .transform(Number)
  .refine((n) => n > 0 && n <= 100_000, { error: 'must be above 0 and at most 100000' });

/** The flag/variable part of the app's zod schema. */
export const recordingSettingsSchema = {
  record: booleanSetting,
  recordDir: z.string().min(1),
  recordMaxBytes: byteSizeSetting(1024 * 1024, 1024 ** 5, '8589934592, 500mb or 8gb'),
  recordMaxAgeHours: integer(1, 87_600),
  uploadSchedule: cronSetting.optional(),
  uploadWindowSeconds: integer(1, 31 * 86_400),
  uploadMaxMbps: mbpsSetting.optional(),
  liveUpload: booleanSetting,
  liveWindowMs: integer(1_000, 3_600_000),
};

export const RECORDING_SETTING_NAMES = {
  record: '--record / VIDEO_RECORD',
  recordDir: '--record-dir / VIDEO_RECORD_DIR',
  recordMaxBytes: '--record-max-bytes / VIDEO_RECORD_MAX_BYTES',
  recordMaxAgeHours: '--record-max-age-hours / VIDEO_RECORD_MAX_AGE_HOURS',
  uploadSchedule: '--upload-schedule / VIDEO_UPLOAD_SCHEDULE',
  uploadWindowSeconds: '--upload-window-seconds / VIDEO_UPLOAD_WINDOW_SECONDS',
  uploadMaxMbps: '--upload-max-mbps / VIDEO_UPLOAD_MAX_MBPS',
  liveUpload: '--live-upload / VIDEO_LIVE_UPLOAD',
  liveWindowMs: '--live-window-ms / VIDEO_LIVE_WINDOW_MS',
} as const;

export const RECORDING_DEFAULTS = {
  record: 'off',
  recordDir: './.data/video-recording',
  recordMaxBytes: '8gb',
  recordMaxAgeHours: '72',
  uploadWindowSeconds: '3600',
  liveUpload: 'on',
  liveWindowMs: '30000',
} as const;

export const RECORDING_FLAGS = [
  'record', 'record-dir', 'record-max-bytes', 'record-max-age-hours', 'upload-schedule', 'upload-window-seconds', 'upload-max-mbps', 'live-upload', 'live-window-ms',
] as const;

export const RECORDING_HELP = `
 Recording and scheduled upload (per camera; a camera's "recording" object in --config overrides these):
  --record <on|off>          record every fragment to local disk        [VIDEO_RECORD]        default off
  --record-dir <dir>         one sub-directory per camera               [VIDEO_RECORD_DIR]    default ./.data/video-recording
  --record-max-bytes <size>  recording kept per camera (oldest deleted) [VIDEO_RECORD_MAX_BYTES] default 8gb
  --record-max-age-hours <h> recording kept by capture age              [VIDEO_RECORD_MAX_AGE_HOURS] default 72
  --upload-schedule <cron>   backlog upload windows open (UTC)          [VIDEO_UPLOAD_SCHEDULE] default always
  --upload-window-seconds <s> length of each window                     [VIDEO_UPLOAD_WINDOW_SECONDS] default 3600
  --upload-max-mbps <n>      upload cap, live first, Mbit/s             [VIDEO_UPLOAD_MAX_MBPS] default none
  --live-upload <on|off>     send live video as it is captured          [VIDEO_LIVE_UPLOAD]   default on
  --live-window-ms <ms>      live video older than this joins the backlog [VIDEO_LIVE_WINDOW_MS] default 30000
`;

type Pick = (flag: string | undefined, env: string, fallback?: string) => string | undefined;

/** The raw values (flag, else variable, else default) for the schema. */
export function pickRecordingSettings(flags: Record<string, unknown>, pick: Pick): Record<keyof typeof recordingSettingsSchema, string | undefined> {
  const f = (name: (typeof RECORDING_FLAGS)[number]): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const d = RECORDING_DEFAULTS;
  return {
    record: pick(f('record'), 'VIDEO_RECORD', d.record),
    recordDir: pick(f('record-dir'), 'VIDEO_RECORD_DIR', d.recordDir),
    recordMaxBytes: pick(f('record-max-bytes'), 'VIDEO_RECORD_MAX_BYTES', d.recordMaxBytes),
    recordMaxAgeHours: pick(f('record-max-age-hours'), 'VIDEO_RECORD_MAX_AGE_HOURS', d.recordMaxAgeHours),
    uploadSchedule: pick(f('upload-schedule'), 'VIDEO_UPLOAD_SCHEDULE'),
    uploadWindowSeconds: pick(f('upload-window-seconds'), 'VIDEO_UPLOAD_WINDOW_SECONDS', d.uploadWindowSeconds),
    uploadMaxMbps: pick(f('upload-max-mbps'), 'VIDEO_UPLOAD_MAX_MBPS'),
    liveUpload: pick(f('live-upload'), 'VIDEO_LIVE_UPLOAD', d.liveUpload),
    liveWindowMs: pick(f('live-window-ms'), 'VIDEO_LIVE_WINDOW_MS', d.liveWindowMs),
  };
}

/** A camera's `recording` object in the config file: JSON types; missing fields take the flag values. */
export const fileRecordingSchema = z
  .object({
    enabled: z.boolean().optional(),
    dir: z.string().min(1).optional(),
    maxBytes: z.number().int().min(1024 * 1024).optional(),
    maxAgeHours: z.number().int().min(1).max(87_600).optional(),
    uploadSchedule: cronSetting.nullable().optional(),
    uploadWindowSeconds: z.number().int().min(1).max(31 * 86_400).optional(),
    uploadMaxMbps: z.number().positive().max(100_000).nullable().optional(),
    liveUpload: z.boolean().optional(),
    liveWindowMs: z.number().int().min(1_000).max(3_600_000).optional(),
  })
  .strict();

/** The object schema of the flag values (the app's schema spreads recordingSettingsSchema into its own). */
export const recordingSettingsObject = z.object(recordingSettingsSchema);
type FlagValues = z.output<typeof recordingSettingsObject>;

/**
 * The flag values, under a camera's own file values (`null` in the file clears a schedule or a cap), as the
 * camera's `recording` field: none when the camera does not record.
 */
export function resolveCameraRecording(s: FlagValues, file?: z.output<typeof fileRecordingSchema>): { recording?: CameraRecordingConfig } {
  if (!(file?.enabled ?? s.record)) return {};
  const schedule = file?.uploadSchedule === null ? undefined : (file?.uploadSchedule ?? s.uploadSchedule);
  const cap = file?.uploadMaxMbps === null ? undefined : (file?.uploadMaxMbps ?? s.uploadMaxMbps);
  return {
    recording: {
      enabled: true,
      dir: file?.dir ?? s.recordDir,
      maxBytes: file?.maxBytes ?? s.recordMaxBytes,
      maxAgeHours: file?.maxAgeHours ?? s.recordMaxAgeHours,
      ...(schedule !== undefined ? { uploadSchedule: schedule } : {}),
      uploadWindowSeconds: file?.uploadWindowSeconds ?? s.uploadWindowSeconds,
      ...(cap !== undefined ? { uploadMaxMbps: cap } : {}),
      liveUpload: file?.liveUpload ?? s.liveUpload,
      liveWindowMs: file?.liveWindowMs ?? s.liveWindowMs,
    },
  };
}

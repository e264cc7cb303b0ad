/**
 * The names of a file sink's files (see file-sink.ts): `<name>-<worker>-<n>.ndjson.gz` published in a
 * `YYYY/MM/DD/HH` partition folder, written as the hidden `.<final>.inprogress`, claimed by a sweeper as
 * `.<final>.inprogress.claimed-<worker>-<pid>`, recompressed as `….salvage`. Pure.
 */
import * as path from 'node:path';

export const TEMP_SUFFIX = '.inprogress';
export const FILE_EXTENSION = '.ndjson.gz';
export const CLAIM_MARK = '.claimed-';
export const SALVAGE_MARK = '.salvage';

/** `YYYY/MM/DD/HH` of an epoch-ms instant, in UTC. */
export function partitionOf(at: number): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a valid instant: ${at}`);
  const pad = (v: number, w = 2): string => String(v).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

/** A string safe as part of a file name on every platform we run on. */
export function fileNameSafe(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe;
}

/** What a sweep found in the sink's folder. */
export type SweepEntry =
  /** `.<final>.inprogress`: a writer's temporary file. */
  | { kind: 'temp'; path: string; finalName: string }
  /** `.<final>.inprogress.claimed-<who>`: a file a sweeper took. */
  | { kind: 'claimed'; path: string; tempPath: string; finalName: string }
  /** `….salvage`: a sweeper's recompressed copy, before (or after) its publication. */
  | { kind: 'salvage'; path: string };

/** Names of the files a sweep cares about, by what they are; undefined for anything else. Pure. */
export function classifySinkFile(dir: string, name: string): SweepEntry | undefined {
  if (!name.startsWith('.')) return undefined;
  const full = path.join(dir, name);
  if (name.endsWith(SALVAGE_MARK) && name.includes(CLAIM_MARK)) return { kind: 'salvage', path: full };
  const claim = name.indexOf(`${TEMP_SUFFIX}${CLAIM_MARK}`);
  const tempName = claim >= 0 ? name.slice(0, claim + TEMP_SUFFIX.length) : name;
  if (!tempName.endsWith(`${FILE_EXTENSION}${TEMP_SUFFIX}`) || tempName.length <= 1 + FILE_EXTENSION.length + TEMP_SUFFIX.length) return undefined;
  const finalName = tempName.slice(1, -TEMP_SUFFIX.length);
  if (claim >= 0) return { kind: 'claimed', path: full, tempPath: path.join(dir, tempName), finalName };
  return { kind: 'temp', path: full, finalName };
}

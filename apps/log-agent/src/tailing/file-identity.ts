/**
 * A file's identity beyond its path (tailer-types.ts FileIdentity): device and inode from a bigint stat (inode
 * numbers above 2^53 exist on XFS and NFS), and a SHA-256 of its first bytes. The agent's FileId is the inode
 * alone (tailing/FileId.java, fileKey()) and its TrackedFileRotationAnalyzer leaves "compare content hashes" as a
 * TODO: with the hash, an inode recycled for a new file (delete, then create, while the agent was down) and a
 * file truncated then refilled past the old offset are both told apart from the file that was checkpointed.
 *
 * While the tailer holds a file open its inode cannot be recycled, so the fingerprint matters across restarts and
 * for truncation in place; it grows with the file up to FINGERPRINT_MAX_BYTES.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { FileIdentity, TrackedFileId } from './tailer-types';

export const FINGERPRINT_MAX_BYTES = 1024;

export function idOf(identity: Pick<FileIdentity, 'dev' | 'ino'>): TrackedFileId {
  return `${identity.dev}:${identity.ino}`;
}

export function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first `length` bytes of an open file (fewer if the file is shorter). */
export async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The identity of an open file, its fingerprint over as many leading bytes as it has (up to the maximum). */
export async function identityOf(handle: FileHandle): Promise<FileIdentity & { size: number }> {
  const st = await handle.stat({ bigint: true });
  const head = await readHead(handle, FINGERPRINT_MAX_BYTES);
  return { dev: String(st.dev), ino: String(st.ino), fingerprintBytes: head.length, fingerprint: hashOf(head), size: Number(st.size) };
}

/**
 * Whether `head` (a file's first bytes, read now) still starts with the bytes `identity` fingerprinted. False
 * also when the file is now shorter than the fingerprint: it was truncated.
 */
export function headMatches(identity: Pick<FileIdentity, 'fingerprintBytes' | 'fingerprint'>, head: Uint8Array): boolean {
  if (head.length < identity.fingerprintBytes) return false;
  return hashOf(head.subarray(0, identity.fingerprintBytes)) === identity.fingerprint;
}

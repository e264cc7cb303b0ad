/**
 * Where a shard log's bytes live: append-only segment files under the data dir, or memory (in-memory mode and
 * unit tests). A segment is named after the ordinal of its first record so recovery can order them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePrivateDir, openPrivateFile } from './private-file-modes';

export interface Segment {
  readonly firstOrdinal: number;
  readonly size: number;
  append(bytes: Uint8Array): void;
  read(offset: number, length: number): Buffer;
  /** Drops bytes past `size` (a torn tail found by recovery). */
  truncate(size: number): void;
  sync(): void;
  close(): void;
}

export interface SegmentBackend {
  create(firstOrdinal: number): Segment;
  /** Existing segments in ordinal order (recovery). */
  open(): Segment[];
  remove(segment: Segment): void;
  /** Removes everything (stream deleted). */
  destroy(): void;
}

const SEGMENT_SUFFIX = '.seg';

class FileSegment implements Segment {
  private fd: number;
  size: number;
  constructor(
    readonly file: string,
    readonly firstOrdinal: number,
  ) {
    this.fd = openPrivateFile(file, 'a+');
    this.size = fs.fstatSync(this.fd).size;
  }
  append(bytes: Uint8Array): void {
    // Synchronous on purpose: the put is acknowledged only after write(2) returned, which is what makes an
    // acknowledged record survive `kill -9` (the page cache belongs to the kernel, not to this process).
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written);
    this.size += bytes.length;
  }
  read(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, out, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? out : out.subarray(0, got);
  }
  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
    this.size = size;
  }
  sync(): void {
    fs.fdatasyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export class FileSegmentBackend implements SegmentBackend {
  constructor(private readonly dir: string) {
    makePrivateDir(dir);
  }
  create(firstOrdinal: number): Segment {
    return new FileSegment(path.join(this.dir, String(firstOrdinal).padStart(20, '0') + SEGMENT_SUFFIX), firstOrdinal);
  }
  open(): Segment[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(SEGMENT_SUFFIX))
      .sort()
      .map((f) => new FileSegment(path.join(this.dir, f), Number(f.slice(0, -SEGMENT_SUFFIX.length))));
  }
  remove(segment: Segment): void {
    segment.close();
    fs.rmSync((segment as FileSegment).file, { force: true });
  }
  destroy(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

class MemorySegment implements Segment {
  private buf = Buffer.allocUnsafe(64 * 1024);
  size = 0;
  constructor(readonly firstOrdinal: number) {}
  append(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + bytes.length));
      this.buf.copy(grown, 0, 0, this.size);
      this.buf = grown;
    }
    this.buf.set(bytes, this.size);
    this.size += bytes.length;
  }
  read(offset: number, length: number): Buffer {
    return this.buf.subarray(offset, Math.min(offset + length, this.size));
  }
  truncate(size: number): void {
    this.size = size;
  }
  sync(): void {
    // Nothing to flush: memory is the medium.
  }
  close(): void {
    // Nothing to release.
  }
}

export class MemorySegmentBackend implements SegmentBackend {
  create(firstOrdinal: number): Segment {
    return new MemorySegment(firstOrdinal);
  }
  open(): Segment[] {
    return [];
  }
  remove(): void {
    // Dropping the reference is enough; the garbage collector frees the bytes.
  }
  destroy(): void {
    // As remove().
  }
}

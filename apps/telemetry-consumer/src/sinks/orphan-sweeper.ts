/**
 * The orphan sweep of a file sink (see file-sink.ts, "Orphans" and "Claims"): finds the temporary files no live
 * writer holds any more (older than `orphanAgeMs`, or a claim older than `orphanGraceMs`), claims each by an atomic
 * rename to a name of this sink's own, and publishes its complete lines under the orphan's final name, never twice.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Logger } from '../logger';
import type { Clock } from '../time';
import type { CommittedFile } from './file-sink';
import { isNotFound, publishOnce, readLines, syncDirectory } from './file-publisher';
import { SALVAGE_MARK, classifySinkFile, type SweepEntry } from './sink-file-names';

export interface OrphanSweeperOptions {
  /** The sink's folder (`<root>/<prefix>`). */
  base: string;
  /** Appended to a claimed file's name: unique to this sink (`.claimed-<worker>-<pid>`). */
  claimSuffix: string;
  compressionLevel: number;
  orphanAgeMs: number;
  orphanGraceMs: number;
  clock: Clock;
  logger: Logger;
  /** Called for every orphan this sweeper published. */
  onRecovered: (file: CommittedFile) => void;
}

export class OrphanSweeper {
  constructor(private readonly o: OrphanSweeperOptions) {}

  /**
   * Claims and publishes the orphans under the sink's folder, skipping `ours` (the sink's open temporary files);
   * resolves with how many it published.
   */
  async sweep(ours: ReadonlySet<string>): Promise<number> {
    const now = this.o.clock.now();
    let recovered = 0;
    for (const entry of await findSinkFiles(this.o.base)) {
      if (ours.has(entry.path)) continue;
      const stat = await fsp.stat(entry.path).catch(() => undefined);
      if (!stat) continue; // gone meanwhile: another sweeper, or its writer published it
      if (entry.kind === 'temp') {
        // Birth time where the file system keeps one (a live file is published maxFileAgeMs after it), else the
        // last write; the older of the two, so a copy with an old mtime still counts from its writes.
        const born = stat.birthtimeMs > 0 ? Math.min(stat.birthtimeMs, stat.mtimeMs) : stat.mtimeMs;
        if (now - born <= this.o.orphanAgeMs) continue;
      } else if (now - stat.ctimeMs <= this.o.orphanGraceMs) {
        // A claim (the rename set its ctime) or a salvage copy in the hands of a sweeper that may still be at work.
        continue;
      }
      if (entry.kind === 'salvage') {
        // A dead sweeper's copy: its claimed file (still there unless published) is what counts.
        await fsp.unlink(entry.path).catch(() => undefined);
        continue;
      }
      try {
        if (await this.claimAndSalvage(entry)) recovered++;
      } catch (err) {
        this.o.logger.error({ err: (err as Error).message, path: entry.path }, 'file sink: could not publish an orphaned file; the next sweep tries again');
      }
    }
    return recovered;
  }

  /**
   * Claims an orphan (atomic rename to a name of this sink's own) and publishes its complete lines under the
   * orphan's final name. Resolves false when another worker won the claim or had published it, or when nothing
   * was to publish. Unreadable files are renamed `.corrupt` and left for an operator.
   */
  async claimAndSalvage(entry: Extract<SweepEntry, { kind: 'temp' | 'claimed' }>): Promise<boolean> {
    const tempPath = entry.kind === 'temp' ? entry.path : entry.tempPath;
    const claimed = `${tempPath}${this.o.claimSuffix}`;
    try {
      await fsp.rename(entry.path, claimed);
    } catch (err) {
      if (isNotFound(err)) {
        this.o.logger.debug({ path: entry.path }, 'file sink: orphan taken by another worker');
        return false;
      }
      throw err;
    }
    const dir = path.dirname(tempPath);
    let text: string;
    try {
      text = await readLines(claimed);
    } catch (err) {
      if (isNotFound(err)) return false; // a sweeper took over our claim: ours looked dead to it
      this.o.logger.error({ err: (err as Error).message, path: tempPath }, 'file sink: orphaned file is unreadable; renamed .corrupt');
      await fsp.rename(claimed, `${tempPath}.corrupt`).catch(() => undefined);
      return false;
    }
    if (text === '') {
      await fsp.unlink(claimed).catch(() => undefined);
      return false;
    }
    // Recompressed into a copy of our own, published like any file; the claimed orphan goes last.
    const salvagePath = `${claimed}${SALVAGE_MARK}`;
    const body = zlib.gzipSync(text, { level: this.o.compressionLevel });
    const handle = await fsp.open(salvagePath, 'w');
    try {
      await handle.write(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const published = await publishOnce(salvagePath, dir, entry.finalName, async () => text);
    await fsp.unlink(salvagePath).catch(() => undefined);
    await fsp.unlink(claimed).catch(() => undefined);
    await syncDirectory(dir);
    if (!published.linked) {
      this.o.logger.info({ path: published.path, orphan: tempPath }, 'file sink: orphan was published already; claim dropped');
      return false;
    }
    const records = text.split('\n').length - 1;
    const partition = path.relative(this.o.base, dir).split(path.sep).join('/');
    const committed: CommittedFile = { path: published.path, partition, records, bytes: Buffer.byteLength(text), compressedBytes: body.length, reason: 'recovered' };
    this.o.logger.warn({ ...committed, orphan: tempPath }, 'file sink: published the complete lines of an orphaned file');
    this.o.onRecovered(committed);
    return true;
  }
}

async function findSinkFiles(dir: string): Promise<SweepEntry[]> {
  const out: SweepEntry[] = [];
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return out;
    throw err;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) out.push(...(await findSinkFiles(path.join(dir, entry.name))));
    else if (entry.isFile()) {
      const found = classifySinkFile(dir, entry.name);
      if (found) out.push(found);
    }
  }
  return out;
}

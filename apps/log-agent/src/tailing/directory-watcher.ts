/**
 * Tells the tailer when to look at its directory: inotify through fs.watch where it works, polling where it does
 * not. The agent polls only (FileTailer.java: every minTimeBetweenFilePollsMillis, 100 ms by default, and a full
 * refresh of the file list every maxTimeBetweenFileTrackerRefreshMillis, 10 s); inotify lets lines go out within
 * a millisecond of being written without stat-ing files in a loop.
 *
 * fs.watch succeeds on network filesystems but sees only the local host's writes (NFS, SMB/CIFS, 9p, FUSE
 * mounts such as sshfs), so such a directory is polled: its filesystem type is read with statfs and compared
 * with the magic numbers of linux/magic.h. `forcePolling` polls anywhere (for filesystems this list misses).
 * A periodic scan runs anyway as a safety net (inotify queue overflow drops events; a watcher dies with its
 * directory): `safetyIntervalMs` while watching, `pollIntervalMs` while polling.
 */
import { watch, type FSWatcher } from 'node:fs';
import { statfs } from 'node:fs/promises';

/** statfs f_type values of filesystems where inotify does not see other hosts' writes (linux/magic.h). */
const NETWORK_FS_MAGIC = new Map<number, string>([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x01021997, '9p'],
  [0x65735546, 'fuse'],
  [0x00c36400, 'ceph'],
  [0x564c, 'ncp'],
  [0x6b414653, 'afs'],
  [0x47504653, 'gpfs'],
  [0x0bd00bd0, 'lustre'],
]);

/** The name of a network filesystem `directory` is on, or undefined (local, or statfs unavailable). */
export async function networkFilesystemOf(directory: string): Promise<string | undefined> {
  try {
    const st = await statfs(directory);
    return NETWORK_FS_MAGIC.get(Number(st.type) >>> 0);
  } catch {
    return undefined;
  }
}

export interface DirectoryWatcherOptions {
  directory: string;
  forcePolling: boolean;
  /**
   * Called on any event in the directory: 'rename' when a name appeared or went away (a scan is due), 'change'
   * when a file was written (a read is due), with the file's name when fs.watch gives it.
   */
  onChange(event: 'rename' | 'change', fileName: string | undefined): void;
  /** Called when watching is given up for polling (why, for the log). */
  onFallback(reason: string): void;
}

/** Watches one directory; `watching` says whether events come from inotify (else the caller polls). */
export class DirectoryWatcher {
  private watcher: FSWatcher | undefined;
  private closed = false;
  private reportedFallback = false;

  constructor(private readonly options: DirectoryWatcherOptions) {}

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * Starts watching if allowed and not yet watching. Safe to call at every scan: a directory that did not exist
   * at start (the agent waits for it too) or whose watcher died is watched again once it is back.
   */
  async ensureWatching(): Promise<void> {
    if (this.closed || this.watcher || this.options.forcePolling) return;
    const network = await networkFilesystemOf(this.options.directory);
    if (network) return this.fallback(`${this.options.directory} is on ${network}: inotify does not see other hosts' writes`);
    if (this.closed || this.watcher) return;
    try {
      const watcher = watch(this.options.directory, { persistent: false }, (event, name) => {
        this.options.onChange(event === 'change' ? 'change' : 'rename', name ? String(name) : undefined);
      });
      watcher.on('error', (error: Error) => {
        if (this.watcher === watcher) this.watcher = undefined;
        watcher.close();
        this.fallback(`fs.watch failed: ${error.message}`);
        this.options.onChange('rename', undefined);
      });
      this.watcher = watcher;
      this.reportedFallback = false;
    } catch (error) {
      // ENOENT: the directory is not there yet; ENOSPC: the inotify watch limit is reached; ENOSYS: no inotify.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.fallback(`fs.watch failed: ${(error as Error).message}`);
    }
  }

  /**
   * Drops the watcher (the directory was found missing: a watch on a deleted directory sees nothing of the one
   * created in its place); the next ensureWatching watches the new directory once it exists.
   */
  reset(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private fallback(reason: string): void {
    if (this.reportedFallback) return;
    this.reportedFallback = true;
    this.options.onFallback(reason);
  }
}

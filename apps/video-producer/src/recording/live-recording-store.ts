/**
 * The live PutMedia session's store when the camera records: every fragment goes to the recording (durable, kept
 * by its own retention) and the newest `windowMs` of capture also stay in memory for the live session to send and
 * resend. What falls out of the window before it is PERSISTED is answered `undefined` (the session reports it
 * EVICTED and goes on with newer video) and stays in the recording as backlog, which the scheduled upload sends in
 * timestamp order. So after an outage live video goes first, and hours of backlog never stand in front of it.
 *
 * `pending()` is empty: after a restart the recording's backlog is the upload's business, not the live session's.
 * The recording is the durable copy, so the spool is not used while a camera records.
 */
import type { ReplayableFragment, ReplayableFragments } from '@tributary/kvs';
import type { RecordingStore } from './recording-store';

export interface LiveRecordingStoreOptions {
  recording: Pick<RecordingStore, 'append'>;
  /** Capture time the live session may still send (0: none; live upload off). */
  windowMs: number;
  timecodeToMs?: (timecode: number) => number;
}

export class LiveRecordingStore implements ReplayableFragments {
  private readonly live = new Map<number, ReplayableFragment>(); // insertion order = timecode order
  private readonly toMs: (timecode: number) => number;

  constructor(private readonly options: LiveRecordingStoreOptions) {
    this.toMs = options.timecodeToMs ?? ((t) => t);
  }

  async append(fragment: ReplayableFragment): Promise<void> {
    if (this.options.windowMs > 0) {
      this.live.set(fragment.timecode, fragment);
      const oldest = this.toMs(fragment.timecode) - this.options.windowMs;
      for (const [timecode] of this.live) {
        if (timecode === fragment.timecode || this.toMs(timecode) >= oldest) break;
        this.live.delete(timecode);
      }
    }
    await this.options.recording.append(fragment);
  }

  read(timecode: number): ReplayableFragment | undefined {
    return this.live.get(timecode);
  }

  release(timecode: number): void {
    this.live.delete(timecode);
  }

  pending(): readonly number[] {
    return [];
  }

  /** Whether the live session still has this fragment to send (the backlog leaves it alone). */
  holds(timecode: number): boolean {
    return this.live.has(timecode);
  }

  get size(): number {
    return this.live.size;
  }
}

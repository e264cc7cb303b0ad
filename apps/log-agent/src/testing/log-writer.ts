/**
 * A web server's access log for the int specs, the bench and the demo: combined Apache format lines
 * (httpd mod_log_config "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\""), each with a unique
 * sequence number in its request path so a test can count every line in the stream, appended in batches at a
 * given rate, with the three kinds of rotation a log rotator does:
 * - rename: the file is renamed to `<path>.<n>` and a new one created (logrotate's default, `create`);
 * - copytruncate: the file is copied to `<path>.<n>` and truncated in place (logrotate `copytruncate`);
 * - truncate: the file is truncated in place, nothing kept (a log reset).
 */
import * as fs from 'node:fs';

export type Rotation = 'rename' | 'copytruncate' | 'truncate';

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = ['/index.html', '/api/v1/telemetry', '/static/app.js', '/images/logo.png', '/login', '/api/v1/devices'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'curl/8.5.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[10/Oct/2000:13:55:36 +0000]`'s inside, in UTC. */
export function apacheTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** One combined-format line (with its '\n') whose request path carries `seq`. */
export function accessLine(seq: number, nowMs: number, tag = 'x'): string {
  const ip = `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
  const method = METHODS[seq % METHODS.length];
  const path = `${PATHS[seq % PATHS.length]}?${tag}=${seq}`;
  const status = seq % 17 === 0 ? 404 : 200;
  const bytes = 200 + (seq % 5000);
  return `${ip} - - [${apacheTime(nowMs)}] "${method} ${path} HTTP/1.1" ${status} ${bytes} "https://example.com/" "${AGENTS[seq % AGENTS.length]}"\n`;
}

/** The sequence number in a line (or its LOGTOJSON form), or -1. */
export function seqOf(text: string, tag = 'x'): number {
  const m = new RegExp(`[?&]${tag}=(\\d+)`).exec(text);
  return m ? Number(m[1]) : -1;
}

export interface LogWriterOptions {
  path: string;
  linesPerSecond: number;
  /** Tag in the query string (`?<tag>=<seq>`), to tell writers apart. */
  tag?: string;
  /** Rotate after this many bytes (undefined: never). */
  rotateBytes?: number;
  rotation?: Rotation;
  /** Rotated files kept (older ones deleted), default 5. */
  keep?: number;
  firstSeq?: number;
  /** Called before a rotation; a writer that must wait (the truncate spec) returns a promise. */
  beforeRotate?(): Promise<void> | void;
}

/** Appends lines in batches every 10 ms; synchronous appends so a rotation never interleaves with a write. */
export class LogWriter {
  private nextSeq: number;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private written = 0;
  private bytesInFile = 0;
  private rotations = 0;
  private busy = false;
  private readonly tag: string;

  constructor(private readonly o: LogWriterOptions) {
    this.nextSeq = o.firstSeq ?? 0;
    this.tag = o.tag ?? 'x';
    this.bytesInFile = fs.existsSync(o.path) ? fs.statSync(o.path).size : 0;
  }

  get linesWritten(): number {
    return this.nextSeq - (this.o.firstSeq ?? 0);
  }

  get rotationCount(): number {
    return this.rotations;
  }

  /** The sequence numbers written so far. */
  get seqs(): number[] {
    const first = this.o.firstSeq ?? 0;
    return Array.from({ length: this.nextSeq - first }, (_, i) => first + i);
  }

  start(): void {
    this.startedAt = Date.now();
    this.written = 0;
    this.timer = setInterval(() => void this.tick(), 10);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }

  /** Writes `n` lines at once. */
  writeLines(n: number): void {
    const now = Date.now();
    let text = '';
    for (let i = 0; i < n; i++) text += accessLine(this.nextSeq++, now, this.tag);
    fs.appendFileSync(this.o.path, text);
    this.bytesInFile += Buffer.byteLength(text);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const due = Math.floor(((Date.now() - this.startedAt) * this.o.linesPerSecond) / 1000) - this.written;
      if (due > 0) {
        this.writeLines(due);
        this.written += due;
      }
      if (this.o.rotateBytes !== undefined && this.bytesInFile >= this.o.rotateBytes) {
        await this.o.beforeRotate?.();
        this.rotate();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Rotates now, in the configured way. */
  rotate(): void {
    const keep = this.o.keep ?? 5;
    const rotation = this.o.rotation ?? 'rename';
    this.rotations++;
    if (rotation !== 'truncate') {
      // Shift <path>.1 … <path>.<keep-1> up by one, the oldest dropped (logrotate's numbering).
      fs.rmSync(`${this.o.path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${this.o.path}.${i}`)) fs.renameSync(`${this.o.path}.${i}`, `${this.o.path}.${i + 1}`);
    }
    if (rotation === 'rename') {
      fs.renameSync(this.o.path, `${this.o.path}.1`);
      fs.writeFileSync(this.o.path, '');
    } else if (rotation === 'copytruncate') {
      fs.copyFileSync(this.o.path, `${this.o.path}.1`);
      fs.truncateSync(this.o.path, 0);
    } else {
      fs.truncateSync(this.o.path, 0);
    }
    this.bytesInFile = 0;
  }
}

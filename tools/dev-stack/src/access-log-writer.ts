/**
 * The log-agent demo's web server: appends combined-format access lines (httpd mod_log_config's
 * "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"") to a log file at a steady rate and rotates it by
 * rename (logrotate's default: access.log → access.log.1 → … , a new access.log created) every `rotateBytes`,
 * keeping `keep` old files. The log-agent tails `access.log*` and ships the lines to the logs stream.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PAGES = ['/', '/index.html', '/dashboard', '/api/v1/telemetry', '/static/app.js', '/static/app.css', '/images/logo.png', '/login', '/favicon.ico'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'curl/8.5.0',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function apacheTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function accessLogLine(seq: number, now: Date, random: () => number = Math.random): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const status = random() < 0.9 ? 200 : pick([301, 304, 404, 500]);
  const bytes = status === 304 ? '-' : String(200 + Math.floor(random() * 20_000));
  const ip = `192.168.${Math.floor(random() * 4)}.${1 + Math.floor(random() * 250)}`;
  return `${ip} - - [${apacheTime(now)}] "${random() < 0.85 ? 'GET' : 'POST'} ${pick(PAGES)}?req=${seq} HTTP/1.1" ${status} ${bytes} "-" "${pick(AGENTS)}"\n`;
}

export interface AccessLogWriterOptions {
  file: string;
  linesPerSecond: number;
  rotateBytes: number;
  keep?: number;
}

export class AccessLogWriter {
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private size: number;

  constructor(private readonly o: AccessLogWriterOptions) {
    fs.mkdirSync(path.dirname(o.file), { recursive: true });
    this.size = fs.existsSync(o.file) ? fs.statSync(o.file).size : 0;
  }

  /** Writes a batch every 250 ms; the timer does not keep the process alive. */
  start(): void {
    const perTick = Math.max(1, Math.round(this.o.linesPerSecond / 4));
    this.timer = setInterval(() => {
      const now = new Date();
      let text = '';
      for (let i = 0; i < perTick; i++) text += accessLogLine(this.seq++, now);
      fs.appendFileSync(this.o.file, text);
      this.size += Buffer.byteLength(text);
      if (this.size >= this.o.rotateBytes) this.rotate();
    }, 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private rotate(): void {
    const keep = this.o.keep ?? 3;
    fs.rmSync(`${this.o.file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${this.o.file}.${i}`)) fs.renameSync(`${this.o.file}.${i}`, `${this.o.file}.${i + 1}`);
    fs.renameSync(this.o.file, `${this.o.file}.1`);
    fs.writeFileSync(this.o.file, '');
    this.size = 0;
  }
}

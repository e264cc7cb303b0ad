/**
 * A real RTSP camera for tests: GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0 with python3-gi,
 * installed by tools/setup/ensure-system-deps.sh) run by rtsp-test-camera.py, next to this file. It serves a live
 * test picture in H.264 or H.265 with AAC audio, a fixed keyframe interval, optionally behind Basic auth, on a free
 * port of 127.0.0.1; `kill()` is a power cut (SIGKILL), `restart()` the camera coming back on the same port.
 *
 *   const camera = await startRtspTestCamera({ codec: 'h264', fps: 15, user: 'admin', password: 'pw' });
 *   camera.urlWith('admin', 'pw')   // rtsp://admin:pw@127.0.0.1:PORT/stream
 *   camera.framesSent()             // video frames encoded for clients so far (all runs)
 *   camera.framesSentToLatestClient() // those of the newest client session (the producer's ffmpeg after its probes)
 *   await camera.kill(); await camera.restart(); await camera.stop();
 *
 * Cheap by default (640×360 at 15 fps, x264/x265 ultrafast, one thread): a few percent of a core per client.
 * Each client gets its own encoder (not shared), so a stream starts on a keyframe as a camera's does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RtspTestCameraOptions {
  codec?: 'h264' | 'h265';
  width?: number;
  height?: number;
  fps?: number;
  /** Frames between keyframes (the camera's GOP); default `fps` (one per second). */
  keyframeInterval?: number;
  bitrateKbps?: number;
  /** Basic auth with this user and password; none without. */
  user?: string;
  password?: string;
  /** AAC audio next to the video (default true). */
  audio?: boolean;
  /** Mount path, default /stream. */
  path?: string;
  /** Debian's Python (the one python3-gi is installed for); a pyenv `python3` on PATH has no `gi`. */
  python?: string;
  /** Longest wait for the server to listen (ms), default 20 000. */
  startTimeoutMs?: number;
}

export interface RtspTestCamera {
  /** rtsp://127.0.0.1:PORT/stream, no credentials. */
  readonly url: string;
  readonly port: number;
  readonly options: Readonly<Required<Omit<RtspTestCameraOptions, 'user' | 'password'>>> & Pick<RtspTestCameraOptions, 'user' | 'password'>;
  /** The URL with user and password in it (percent-encoded). */
  urlWith(user: string, password: string): string;
  /** Video frames the camera encoded for its clients, over all its runs (reported every 200 ms, so up to 200 ms old). */
  framesSent(): number;
  /** Video frames of the newest client session only (this run): what the client that connected last was sent. */
  framesSentToLatestClient(): number;
  /** Clients connected now (as of the last report). */
  clients(): number;
  /** Whether the server process runs. */
  readonly running: boolean;
  /** Power cut: SIGKILL, no RTSP TEARDOWN; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Freezes the camera (SIGSTOP): sockets stay open, nothing is sent, as a hung camera or a cut cable. */
  freeze(): void;
  /** Undoes freeze() (SIGCONT). */
  thaw(): void;
  /** Starts the server again on the same port (after kill()). */
  restart(): Promise<void>;
  /** Clean stop (SIGTERM); safe to call twice. */
  stop(): Promise<void>;
}

export const RTSP_TEST_CAMERA_SCRIPT = join(__dirname, 'rtsp-test-camera.py');

interface Run {
  child: ChildProcess;
  exited: Promise<void>;
  sent: number;
  clients: number;
  latest: number;
}

/** Every camera process still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function startRtspTestCamera(options: RtspTestCameraOptions = {}): Promise<RtspTestCamera> {
  const fps = options.fps ?? 15;
  const o = {
    codec: options.codec ?? 'h264',
    width: options.width ?? 640,
    height: options.height ?? 360,
    fps,
    keyframeInterval: options.keyframeInterval ?? fps,
    bitrateKbps: options.bitrateKbps ?? 400,
    audio: options.audio ?? true,
    path: options.path ?? '/stream',
    python: options.python ?? '/usr/bin/python3',
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  } as const;
  installExitHook();
  let port = 0;
  let previousRunsSent = 0;
  let run: Run | undefined;

  const launch = async (): Promise<void> => {
    const args = [RTSP_TEST_CAMERA_SCRIPT, '--port', String(port), '--path', o.path, '--codec', o.codec, '--width', String(o.width), '--height', String(o.height)];
    args.push('--fps', String(o.fps), '--keyframe-interval', String(o.keyframeInterval), '--bitrate', String(o.bitrateKbps));
    if (o.user !== undefined) args.push('--user', o.user, '--password', o.password ?? '');
    if (!o.audio) args.push('--no-audio');
    const child = spawn(o.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    void exited.then(() => live.delete(child));
    const current: Run = { child, exited, sent: 0, clients: 0, latest: 0 };
    run = current;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`RTSP test camera did not listen within ${o.startTimeoutMs} ms: ${stderr.trim()}`));
      }, o.startTimeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`RTSP test camera: cannot run ${o.python}: ${err.message} (Debian's python3 with python3-gi and gir1.2-gst-rtsp-server-1.0)`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`RTSP test camera exited before listening: ${stderr.trim()}`));
      });
      lines.on('line', (line) => {
        let event: { event?: string; port?: number; sent?: number; clients?: number; latest?: number; message?: string };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          return;
        }
        if (event.event === 'listening' && typeof event.port === 'number') {
          port = event.port;
          clearTimeout(timer);
          resolve();
        } else if (event.event === 'frames') {
          current.sent = event.sent ?? current.sent;
          current.clients = event.clients ?? current.clients;
          current.latest = event.latest ?? current.latest;
        }
      });
    });
  };

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = run;
    if (!current) return;
    if (current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGCONT');
      current.child.kill(signal);
    }
    await current.exited;
    previousRunsSent += current.sent;
    run = undefined;
  };

  await launch();
  const url = (): string => `rtsp://127.0.0.1:${port}${o.path}`;
  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    options: o,
    urlWith: (user, password) => `rtsp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${o.path}`,
    framesSent: () => previousRunsSent + (run?.sent ?? 0),
    framesSentToLatestClient: () => run?.latest ?? 0,
    clients: () => run?.clients ?? 0,
    get running() {
      return run !== undefined;
    },
    kill: () => end('SIGKILL'),
    freeze: () => void run?.child.kill('SIGSTOP'),
    thaw: () => void run?.child.kill('SIGCONT'),
    restart: async () => {
      await end('SIGKILL');
      await launch();
    },
    stop: () => end('SIGTERM'),
  };
}

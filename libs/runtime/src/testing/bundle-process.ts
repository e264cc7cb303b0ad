/**
 * For specs that test what is deployed rather than the sources: build an app's nx `bundle` target (the very
 * commands of its project.json, with the output folder moved to a temp dir away from any node_modules), then run
 * the bundle as a child process and read its pino JSON log lines.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

interface BundleTarget {
  outputs?: string[];
  options?: { command?: string; commands?: Array<string | { command: string }> };
}

/** The shell commands of `<projectRoot>/project.json`'s `bundle` target, in order. */
export function bundleCommands(workspaceRoot: string, projectRoot: string): string[] {
  const project = JSON.parse(readFileSync(join(workspaceRoot, projectRoot, 'project.json'), 'utf8')) as { targets?: Record<string, BundleTarget> };
  const options = project.targets?.['bundle']?.options;
  const commands = options?.commands?.map((c) => (typeof c === 'string' ? c : c.command)) ?? (options?.command ? [options.command] : []);
  if (commands.length === 0) throw new Error(`${projectRoot}/project.json has no bundle target commands`);
  return commands;
}

/**
 * Runs the bundle target's commands from the workspace root (as `nx run <project>:bundle` does, without nx: no
 * daemon, no cache, no nested project graph), with every `dist/<name>` replaced by `outDir`. Throws when the
 * commands do not write to `dist/<name>` (the rewrite would then test something else), or a command fails.
 */
export function buildBundle(workspaceRoot: string, projectRoot: string, distName: string, outDir: string): string[] {
  const commands = bundleCommands(workspaceRoot, projectRoot);
  const dist = `dist/${distName}`;
  if (!commands.some((c) => c.includes(`${dist}/`))) throw new Error(`the bundle target of ${projectRoot} does not write to ${dist}/`);
  const rewritten = commands.map((c) => c.split(dist).join(outDir));
  const env = { ...process.env, PATH: `${join(workspaceRoot, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}` };
  for (const command of rewritten) execFileSync('/bin/sh', ['-c', command], { cwd: workspaceRoot, env, stdio: 'pipe', timeout: 180_000 });
  return rewritten;
}

/** The node_modules folders Node would resolve packages from for a file in `dir` (none: the bundle stands alone). */
export function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
    if (dirname(d) === d) return found;
  }
}

/** Where Node would find package `name` from `fromDir` (nested node_modules first, then each folder up). */
function packageDir(name: string, fromDir: string): string {
  for (let d = resolve(fromDir); ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) throw new Error(`package ${name} not found from ${fromDir}`);
  }
}

/**
 * Copies package `name` as the workspace resolves it, with its production dependencies (nested ones come along
 * inside its folder; hoisted ones are copied flat), into `nodeModules` — what `npm install --omit=dev <name>` next
 * to a bundle gives an edge device, without a registry. Returns the package names copied.
 */
export function copyPackageWithDependencies(workspaceRoot: string, name: string, nodeModules: string): string[] {
  const copied: string[] = [];
  const seen = new Set<string>();
  const visit = (pkg: string, fromDir: string): void => {
    const source = packageDir(pkg, fromDir);
    if (seen.has(source)) return;
    seen.add(source);
    // A package nested in its dependent's own node_modules came along with that folder.
    const nested = fromDir !== workspaceRoot && source.startsWith(`${resolve(fromDir)}/node_modules/`);
    if (!nested) {
      cpSync(source, join(nodeModules, pkg), { recursive: true, dereference: true });
      copied.push(pkg);
    }
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, source);
  };
  visit(name, workspaceRoot);
  return copied;
}

export interface LoggedProcess {
  child: ChildProcess;
  /** Every stdout and stderr line so far (diagnostics). */
  output(): string[];
  /** The first pino JSON line (stdout) with this `msg`, parsed; rejects on exit or timeout, with the output. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function spawnLogged(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LoggedProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
    notify();
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      exitCode = code;
      notify();
      done(code);
    }),
  );
  const recent = (): string => lines.slice(-40).join('\n');
  return {
    child,
    output: () => [...lines],
    waitForLog: (msg, timeoutMs = 30_000) =>
      new Promise((done, fail) => {
        const check = (): void => {
          const hit = logs.find((l) => l['msg'] === msg);
          if (hit) finish(() => done(hit));
          else if (exitCode !== undefined) finish(() => fail(new Error(`exited with ${exitCode} before logging "${msg}":\n${recent()}`)));
        };
        const timer = setTimeout(() => finish(() => fail(new Error(`no "${msg}" log line after ${timeoutMs} ms:\n${recent()}`))), timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM', timeoutMs = 30_000) => {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

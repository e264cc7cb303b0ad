/**
 * A V8 CPU profile (`node --cpu-prof`, e.g. bench:gateway --profile) read by function and by package: self time
 * (samples whose top frame is the function) and total time (samples with the function anywhere on the stack,
 * counted once per sample however deep the recursion), as ms and as % of the profiled time without idle.
 *
 *   npx tsx tools/bench/src/gateway-profile-summary.ts <file.cpuprofile> [--top 40] [--filter <text>] [--window S]
 *
 * `--filter` keeps the time from the samples whose stack holds a frame whose function or file contains the text
 * (e.g. `handle` for Express's request handling), to read one path's share. `--window S` keeps only the S seconds
 * with the most busy time (a measured run: start-up, module loading and warm-ups, such as each viewer's token
 * verified once, fall outside it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBenchArgs, positiveIntegerOption } from './bench-args';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame comes from: a package under node_modules, node's own code, or this repository's file. */
export function originOf(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const repo = /\/(apps|libs)\/([^/]+)\//.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : path.basename(url);
}

const frameName = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(apps|libs|tools)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${file}`;
};

interface Summary {
  totalMs: number;
  idleMs: number;
  self: Map<string, number>;
  total: Map<string, number>;
  origins: Map<string, number>;
}

/** The sample indexes [from, to) of the `windowMs` with the most non-idle time. */
function busiestWindow(profile: CpuProfile, idle: Set<number>, windowMs: number): [number, number] {
  const at: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) at.push((t += d / 1000));
  let best: [number, number] = [0, profile.samples.length];
  let bestBusy = -1;
  let busy = 0;
  let from = 0;
  for (let to = 0; to < at.length; to++) {
    if (!idle.has(profile.samples[to])) busy += (profile.timeDeltas[to] ?? 0) / 1000;
    while (at[to] - at[from] > windowMs) {
      if (!idle.has(profile.samples[from])) busy -= (profile.timeDeltas[from] ?? 0) / 1000;
      from++;
    }
    if (busy > bestBusy) {
      bestBusy = busy;
      best = [from, to + 1];
    }
  }
  return best;
}

export function summarize(profile: CpuProfile, filter?: string, windowMs?: number): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const s: Summary = { totalMs: 0, idleMs: 0, self: new Map(), total: new Map(), origins: new Map() };
  const add = (m: Map<string, number>, k: string, ms: number): void => {
    m.set(k, (m.get(k) ?? 0) + ms);
  };
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const [first, end] = windowMs === undefined ? [0, profile.samples.length] : busiestWindow(profile, idle, windowMs);
  for (let i = first; i < end; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const top = byId.get(profile.samples[i]);
    if (!top) continue;
    if (top.callFrame.functionName === '(idle)') {
      s.idleMs += ms;
      continue;
    }
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = top.id; id !== undefined; id = parent.get(id)) stack.push(byId.get(id) as ProfileNode);
    if (filter !== undefined && !stack.some((n) => n.callFrame.functionName.includes(filter) || n.callFrame.url.includes(filter))) continue;
    s.totalMs += ms;
    add(s.self, frameName(top), ms);
    add(s.origins, originOf(top.callFrame.url), ms);
    for (const name of new Set(stack.map(frameName))) add(s.total, name, ms);
  }
  return s;
}

function printTop(title: string, m: Map<string, number>, base: number, top: number): void {
  console.log(`\n${title}`);
  for (const [name, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / base) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}

function main(): void {
  const values = parseBenchArgs(process.argv.slice(2).filter((a) => !a.endsWith('.cpuprofile')), ['top', 'filter', 'window']);
  const file = process.argv.slice(2).find((a) => a.endsWith('.cpuprofile'));
  if (values === undefined || file === undefined) {
    console.log('Usage: npx tsx tools/bench/src/gateway-profile-summary.ts <file.cpuprofile> [--top 40] [--filter <text>] [--window S]');
    return;
  }
  const top = positiveIntegerOption('top', values.top, 40);
  const windowMs = values.window === undefined ? undefined : positiveIntegerOption('window', values.window, 10) * 1000;
  const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, values.filter, windowMs);
  const scope = `${values.filter !== undefined ? ` (stacks with "${values.filter}")` : ''}${windowMs !== undefined ? ` in the busiest ${windowMs / 1000} s` : ''}`;
  console.log(`${file}: ${s.totalMs.toFixed(0)} ms busy${scope}, ${s.idleMs.toFixed(0)} ms idle`);
  printTop('Self time by origin', s.origins, s.totalMs, top);
  printTop('Self time by function', s.self, s.totalMs, top);
  printTop('Total time by function', s.total, s.totalMs, top);
}

main();

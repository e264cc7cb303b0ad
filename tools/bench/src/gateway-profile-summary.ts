/**
 * A V8 CPU profile (`node --cpu-prof`, e.g. bench:gateway --profile) read by function and by package: self time
 * (samples whose top frame is the function) and total time (samples with the function anywhere on the stack,
 * counted once per sample however deep the recursion), as ms and as % of the profiled time without idle.
 *
 *   npx tsx tools/bench/src/gateway-profile-summary.ts <file.cpuprofile> [--top 40] [--filter <text>]
 *
 * `--filter` keeps the time from the samples whose stack holds a frame whose function or file contains the text
 * (e.g. `handle` for Express's request handling), to read one path's share.
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

export function summarize(profile: CpuProfile, filter?: string): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const s: Summary = { totalMs: 0, idleMs: 0, self: new Map(), total: new Map(), origins: new Map() };
  const add = (m: Map<string, number>, k: string, ms: number): void => {
    m.set(k, (m.get(k) ?? 0) + ms);
  };
  for (let i = 0; i < profile.samples.length; i++) {
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
  const values = parseBenchArgs(process.argv.slice(2).filter((a) => !a.endsWith('.cpuprofile')), ['top', 'filter']);
  const file = process.argv.slice(2).find((a) => a.endsWith('.cpuprofile'));
  if (values === undefined || file === undefined) {
    console.log('Usage: npx tsx tools/bench/src/gateway-profile-summary.ts <file.cpuprofile> [--top 40] [--filter <text>]');
    return;
  }
  const top = positiveIntegerOption('top', values.top, 40);
  const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, values.filter);
  console.log(`${file}: ${s.totalMs.toFixed(0)} ms busy${values.filter !== undefined ? ` (stacks with "${values.filter}")` : ''}, ${s.idleMs.toFixed(0)} ms idle`);
  printTop('Self time by origin', s.origins, s.totalMs, top);
  printTop('Self time by function', s.self, s.totalMs, top);
  printTop('Total time by function', s.total, s.totalMs, top);
}

main();

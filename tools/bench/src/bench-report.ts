/**
 * How every bench reports: medians and percentiles, the number formats, plain-text tables, the load-average note,
 * the machine description, fingerprints of the sources under test, and the results file (tools/bench/results/,
 * git-ignored). A BenchSession holds what one run of a bench records from start to results file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, and where the benches write their results (git-ignored). */
export const ROOT = path.resolve(__dirname, '../../..');
export const RESULTS_DIR = path.join(ROOT, 'tools/bench/results');

// ---------------------------------------------------------------------------------------------------------
// Figures and tables

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The value at percentile `p` (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** A share of one core, e.g. "97%". */
export const fmtCpuPercent = (percent: number): string => (Number.isFinite(percent) ? `${Math.round(percent)}%` : 'n/a');
export const fmtMicros = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
export const fmtRate = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMiB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function printGrid(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

/** The 1-minute load average now: printed before a bench and compared after it. */
export const loadAverage = (): number => os.loadavg()[0];

export function printLoadNote(loadBefore: number): void {
  const cpus = os.cpus().length;
  const after = loadAverage();
  console.log(`Load average (1 min): ${loadBefore.toFixed(2)} before, ${after.toFixed(2)} after, on ${cpus} CPUs.`);
  if (loadBefore > cpus * 0.5) {
    console.log(
      `Note: the load average was ${loadBefore.toFixed(2)} on ${cpus} CPUs before the bench started: other work shared ` +
        'the machine, so records/s are lower and noisier than on an idle one (CPU µs per record much less so).',
    );
  }
}

export function machineInfo(loadBefore: number): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    nodeBinary: process.execPath,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAverage(),
  };
}

/**
 * The git commit and a digest of the non-test TypeScript sources under `dirs` (relative to the root): recorded
 * with the results, and compared before and after a bench, since other engineers may edit the code under test
 * while it runs (runs would then measure different versions).
 */
export function sourceFingerprint(dirs: string[]): { commit: string; sourcesSha256: string } {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) hash.update(path.relative(ROOT, full)).update(fs.readFileSync(full));
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout: the digest still identifies the sources
  }
  return { commit, sourcesSha256: hash.digest('hex').slice(0, 16) };
}

/** Says so when the sources under test changed while the bench ran. */
export function warnIfSourcesChanged(before: { sourcesSha256: string }, after: { sourcesSha256: string }, what: string): void {
  if (before.sourcesSha256 !== after.sourcesSha256) {
    console.log(`WARNING: the sources of ${what} changed while the bench ran (${before.sourcesSha256} -> ${after.sourcesSha256}): the runs may have measured different versions.`);
  }
}

/** Writes `report` to tools/bench/results/<name> and says so. */
export function writeResults(name: string, report: { durationSeconds: number } & Record<string, unknown>): void {
  const file = path.join(RESULTS_DIR, name);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nResults written to ${path.relative(ROOT, file)} (${report.durationSeconds.toFixed(0)} s in all).`);
}

/** The median of each of `metrics` over `runs`, in the order given. */
export function mediansOf<T, K extends keyof T>(runs: readonly T[], metrics: readonly K[]): Record<K, number> {
  return Object.fromEntries(metrics.map((k) => [k, median(runs.map((r) => r[k] as number))])) as Record<K, number>;
}

type NumericKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

/** The median of every numeric field of `runs` (those of the first run that hold a number), in their order. */
export function mediansOfNumericFields<T extends object>(runs: readonly T[]): Record<NumericKeys<T>, number> {
  const keys = (Object.keys(runs[0]) as Array<keyof T>).filter((k) => typeof runs[0][k] === 'number');
  return mediansOf(runs, keys) as Record<NumericKeys<T>, number>;
}

/** One row of a metric table: its label and how a column shows the metric. */
export type MetricRow<C> = [label: string, cell: (column: C) => string];

/** printGrid with one row per metric and one column per variant (`corner` heads the label column). */
export function printMetricTable<C>(corner: string, columns: readonly C[], heading: (column: C) => string, rows: ReadonlyArray<MetricRow<C>>): void {
  printGrid([corner, ...columns.map(heading)], rows.map(([label, cell]) => [label, ...columns.map(cell)]));
}

/** What a bench's header line ends with: "2 CPUs, Node v20.19.0, load average 0.52" (`extra` before the load). */
export function machineSummary(loadBefore: number, extra?: string): string {
  return `${os.cpus().length} CPUs, Node ${process.version}, ${extra !== undefined ? `${extra}, ` : ''}load average ${loadBefore.toFixed(2)}`;
}

type SourcesFingerprint = ReturnType<typeof sourceFingerprint>;

/**
 * One run of a bench, from its start to its results file: the start time, the load average before it, and the
 * fingerprint of the sources under test (`sources`, directories relative to the root) taken now and again at the
 * end, since other engineers may edit the code under test while the bench runs.
 */
export class BenchSession {
  readonly started = Date.now();
  readonly loadBefore = loadAverage();
  private readonly sourcesBefore: SourcesFingerprint | undefined;
  private sourcesAfter: SourcesFingerprint | undefined;

  /** `benchmark` names the results: `benchmark` in tools/bench/results/<benchmark>-latest.json. */
  constructor(
    readonly benchmark: string,
    private readonly sources?: string[],
  ) {
    this.sourcesBefore = sources ? sourceFingerprint(sources) : undefined;
  }

  /** See machineSummary. */
  machineSummary(extra?: string): string {
    return machineSummary(this.loadBefore, extra);
  }

  /**
   * What follows the tables: the load-average note, then a line with the commit and the digest of the sources
   * (`<label>: commit …, working tree digest … (<describe>).`) and a warning if they changed, naming `what`.
   */
  printClosingNotes(what: string, options: { label?: string; describe?: string } = {}): void {
    printLoadNote(this.loadBefore);
    if (!this.sources || !this.sourcesBefore) return;
    const after = sourceFingerprint(this.sources);
    this.sourcesAfter = after;
    console.log(`${options.label ?? 'Sources'}: commit ${after.commit}, working tree digest ${after.sourcesSha256} (${options.describe ?? this.sources.join(', ')}).`);
    warnIfSourcesChanged(this.sourcesBefore, after, what);
  }

  /**
   * Writes the results file: benchmark, date, duration, machine (plus `machineExtra`), the sources' fingerprints
   * before and after, then `fields`.
   */
  writeResults(fields: Record<string, unknown>, machineExtra: Record<string, unknown> = {}): void {
    const sources =
      this.sources && this.sourcesBefore ? { sources: { dirs: this.sources, before: this.sourcesBefore, after: this.sourcesAfter ?? sourceFingerprint(this.sources) } } : {};
    writeResults(`${this.benchmark}-latest.json`, {
      benchmark: this.benchmark,
      date: new Date().toISOString(),
      durationSeconds: (Date.now() - this.started) / 1000,
      machine: { ...machineInfo(this.loadBefore), ...machineExtra },
      ...sources,
      ...fields,
    });
  }
}

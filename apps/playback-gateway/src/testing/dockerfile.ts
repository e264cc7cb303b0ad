/**
 * A small Dockerfile reader for specs that check the image without a Docker engine: instructions with their
 * line continuations joined and comments dropped, grouped by build stage, and exec-form (JSON array) arguments.
 */

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, USER, CMD, HEALTHCHECK, … */
  keyword: string;
  /** The rest of the instruction, continuations joined with single spaces. */
  args: string;
}

export interface DockerStage {
  /** `FROM <image> AS <name>`: the name, or the stage index as a string. */
  name: string;
  image: string;
  instructions: DockerInstruction[];
}

export function readDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending !== '' && line.startsWith('#')) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());
  const stages: DockerStage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2];
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ name: from?.[2] ?? String(stages.length), image: from?.[1] ?? args, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** The instructions of a stage with this keyword, in order. */
export function instructionsOf(stage: DockerStage, keyword: string): DockerInstruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword.toUpperCase());
}

/** An exec-form argument list (`["node", "main.js"]`); throws on shell form, which gets no signals as PID 1. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a): a is string => typeof a === 'string')) {
    throw new Error(`expected an exec-form JSON array of strings, got: ${args}`);
  }
  return parsed;
}

/** `ENV A=1 B="x y"` (and the legacy `ENV A 1`) of a stage, later ones winning. */
export function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructionsOf(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [key, ...rest] = args.split(/\s+/);
      env[key] = rest.join(' ');
      continue;
    }
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      env[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    }
  }
  return env;
}

/** HEALTHCHECK's options (`--interval=15s` → interval: '15s') and its exec-form command. */
export function healthcheckOf(stage: DockerStage): { options: Record<string, string>; command: string[] } | undefined {
  const hc = instructionsOf(stage, 'HEALTHCHECK').at(-1);
  if (!hc) return undefined;
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)$/.exec(hc.args);
  if (!m) throw new Error(`HEALTHCHECK without CMD: ${hc.args}`);
  const options = Object.fromEntries([...m[1].matchAll(/--([a-z-]+)=(\S+)/g)].map((o) => [o[1], o[2]]));
  return { options, command: execForm(m[2]) };
}

/**
 * Jackson's CBOR, the library the Java SDKs' CBOR protocol runs on (Debian's libjackson2-dataformat-cbor, installed
 * by tools/setup/ensure-system-deps.sh), driven as the SDKs drive it by jackson-cbor/JacksonCborProbe.java: bodies
 * written with the generator calls of SdkCborGenerator, answers read into the parser's tokens with what the SDKs'
 * unmarshallers take from each (getText, getLongValue, getCurrentTag, getBinaryValue). A check of the emulator, and
 * of java-cbor-encoding.ts, with a CBOR implementation this project did not write.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JavaTimestamp, type JavaValue } from './java-cbor-encoding';

const CLASSPATH = ['/usr/share/java/jackson-dataformat-cbor.jar', '/usr/share/java/jackson-core.jar'];
const SOURCE = path.join(__dirname, 'jackson-cbor', 'JacksonCborProbe.java');

function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(input);
  });
}

/** The SdkJsonGenerator / SdkCborGenerator calls that write `value`, one a line, in the probe's words. */
function generatorCalls(value: JavaValue, out: string[]): void {
  if (value instanceof JavaTimestamp) out.push(`timestamp ${value.millis}`);
  else if (value instanceof Uint8Array) out.push(`binary ${Buffer.from(value).toString('hex')}`);
  else if (Array.isArray(value)) {
    out.push('[');
    for (const item of value) generatorCalls(item, out);
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      out.push(`field ${key}`);
      generatorCalls(member, out);
    }
    out.push('}');
  } else if (typeof value === 'string') {
    if (/[\r\n]/.test(value)) throw new Error('the probe reads one call a line: no line breaks in strings');
    out.push(`string ${value}`);
  } else if (typeof value === 'boolean') out.push(`bool ${value}`);
  else if (Number.isInteger(value)) out.push(`int ${value}`);
  else throw new Error(`no generator call for ${String(value)}`);
}

export interface JacksonCbor {
  /** The bytes Jackson's generator writes for `value`, called as the SDKs call it. */
  encode(value: JavaValue): Promise<Buffer>;
  /** The tokens Jackson's parser reads from `bytes`, one a line (see JacksonCborProbe.java). */
  decode(bytes: Uint8Array): Promise<string[]>;
  /** Removes the compiled probe. */
  close(): void;
}

/** Compiles the probe (javac, into a temporary folder) and returns its two uses. */
export async function compileJacksonCbor(): Promise<JacksonCbor> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jackson-cbor-'));
  const classpath = CLASSPATH.join(':');
  await run('javac', ['-d', dir, '-cp', classpath, SOURCE], '');
  const java = (mode: string, input: string): Promise<string> => run('java', ['-cp', `${classpath}:${dir}`, 'JacksonCborProbe', mode], input);
  return {
    async encode(value) {
      const calls: string[] = [];
      generatorCalls(value, calls);
      return Buffer.from((await java('encode', calls.join('\n') + '\n')).trim(), 'hex');
    },
    async decode(bytes) {
      const text = await java('decode', Buffer.from(bytes).toString('hex') + '\n');
      return text.split('\n').filter((line) => line !== '');
    },
    close: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

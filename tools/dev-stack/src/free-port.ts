/**
 * A free TCP port for a child that must be told its port before it starts. Candidates come from below Linux's
 * ephemeral range (32768–60999 by default): a process binding port 0 gets its port from that range, so between
 * this check and the child's listen no such process can take ours. (Asking the kernel for port 0 and handing the
 * number on raced with parallel test suites binding port 0: seen once in CI as EADDRINUSE.)
 *
 * Ports handed out for one start are not bound until the children listen, so a later pick for the same start
 * could find the same port free again: callers pass the ones already picked in `taken` (seen in CI: the gateway
 * and consumer-1 were both given 22297, and the gateway failed with EADDRINUSE).
 */
import * as net from 'node:net';

const FIRST = 20_000;
const LAST = 32_000;
const ATTEMPTS = 50;

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1', random: () => number = Math.random, taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = FIRST + Math.floor(random() * (LAST - FIRST));
    if (!taken.has(port) && (await canBind(port, host))) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST} after ${ATTEMPTS} tries`);
}

/** `count` distinct free ports for one start (see freePort). */
export async function freePorts(count: number, host = '127.0.0.1', random: () => number = Math.random): Promise<number[]> {
  const taken = new Set<number>();
  for (let i = 0; i < count; i++) taken.add(await freePort(host, random, taken));
  return [...taken];
}

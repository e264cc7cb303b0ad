/**
 * A free TCP port for a child that must be told its port before it starts. Candidates come from below Linux's
 * ephemeral range (32768–60999 by default): a process binding port 0 gets its port from that range, so between
 * this check and the child's listen no such process can take ours. (Asking the kernel for port 0 and handing the
 * number on raced with parallel test suites binding port 0: seen once in CI as EADDRINUSE.)
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

export async function freePort(host = '127.0.0.1', random: () => number = Math.random): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = FIRST + Math.floor(random() * (LAST - FIRST));
    if (await canBind(port, host)) return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST} after ${ATTEMPTS} tries`);
}

/** A certificate for 127.0.0.1 made by openssl at test time (TLS tests; nothing is committed). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes key.pem and cert.pem into `dir` (one day, RSA 2048, subjectAltName IP:127.0.0.1) and returns them. */
export function createSelfSignedCert(dir: string): { cert: Buffer; key: Buffer } {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Certificates for the TLS tests, made by openssl at run time into a temp dir: no key is ever
 * committed. Tests that need one skip when openssl is missing.
 */

export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface TestCert {
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

/** A self-signed certificate (its own CA) for `san` (e.g. `IP:127.0.0.1`), valid one day. */
export function selfSignedCert(dir: string, cn: string, san: string): TestCert {
  const keyFile = join(dir, `${cn}.key.pem`);
  const certFile = join(dir, `${cn}.cert.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`].concat([
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  return { keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

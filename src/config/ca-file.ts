import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { badFlag } from '../errors/index.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * `--cacert FILE`: a PEM bundle of CA certificates, read and checked before the load starts so
 * that a wrong path or a key file is a usage error (exit 2), not a run of failed handshakes.
 */
export function readCaFile(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as { code?: string }).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw badFlag(flag, `${flag} ${path}: the file ${why}; expected a PEM file of CA certificates`);
  }
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw badFlag(
      flag,
      `${flag} ${path}: no certificate in it; expected PEM text with -----BEGIN CERTIFICATE----- blocks`,
    );
  }
  // TLS contexts skip a garbled block without a word: parsed here to say which file is wrong.
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw badFlag(flag, `${flag} ${path}: certificate ${i + 1} is not a valid PEM certificate`);
    }
  });
  return text;
}

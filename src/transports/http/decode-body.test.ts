import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zstdRawFrame } from '../../../test/helpers/zstd-frame.js';
import { decodeBody } from './decode-body.js';

const TEXT = '{"city":"São Paulo","ok":true}';
const RAW = Buffer.from(TEXT);

function text(r: ReturnType<typeof decodeBody>): string {
  if (!r.ok) throw new Error(r.error);
  return r.body.toString('utf8');
}

describe('decodeBody', () => {
  it('decodes gzip, br, zlib deflate and raw deflate', () => {
    expect(text(decodeBody(zlib.gzipSync(RAW), 'gzip'))).toBe(TEXT);
    expect(text(decodeBody(zlib.gzipSync(RAW), 'X-GZIP'))).toBe(TEXT);
    expect(text(decodeBody(zlib.brotliCompressSync(RAW), 'br'))).toBe(TEXT);
    expect(text(decodeBody(zlib.deflateSync(RAW), 'deflate'))).toBe(TEXT);
    expect(text(decodeBody(zlib.deflateRawSync(RAW), 'deflate'))).toBe(TEXT);
  });

  it('undoes a list of codings last first, and ignores identity', () => {
    const twice = zlib.brotliCompressSync(zlib.gzipSync(RAW));
    expect(text(decodeBody(twice, 'gzip, br'))).toBe(TEXT);
    expect(text(decodeBody(RAW, 'identity'))).toBe(TEXT);
    expect(text(decodeBody(RAW, ''))).toBe(TEXT);
  });

  it('decodes zstd (a raw-block frame: Node 20 has no zstd encoder to make one with)', () => {
    expect(text(decodeBody(zstdRawFrame(RAW), 'zstd'))).toBe(TEXT);
  });

  it('leaves an empty body empty', () => {
    expect(text(decodeBody(Buffer.alloc(0), 'gzip'))).toBe('');
  });

  it('says why a body cannot be decoded, without throwing', () => {
    const bad = decodeBody(Buffer.from('not gzip at all'), 'gzip');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^gzip body could not be decoded: /);
    const zstd = decodeBody(Buffer.from('not zstd at all'), 'zstd');
    expect(!zstd.ok && zstd.error).toMatch(/^zstd body could not be decoded: /);
    const odd = decodeBody(RAW, 'compress');
    expect(!odd.ok && odd.error).toMatch(/unknown Content-Encoding 'compress'/);
  });
});

import { describe, expect, it } from 'vitest';
import { H2_PROTOCOL_ERROR, h2Failure, h2Headers, h2ProtocolNotes, headerBytes } from './h2-session.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('h2Failure', () => {
  it('a peer that is not HTTP/2 is an h2 protocol error, whether it answered the preface or refused ALPN', () => {
    expect(h2Failure(coded('ERR_HTTP2_ERROR', 'Protocol error')).kind).toBe(H2_PROTOCOL_ERROR);
    expect(h2Failure(coded('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')).kind).toBe(H2_PROTOCOL_ERROR);
    expect(h2Failure(coded('ERR_H2_NO_ALPN')).message).toMatch(/ALPN/);
  });

  it('a pending stream cancelled by its session is judged by the cause Node attaches', () => {
    const cancelled = Object.assign(coded('ERR_HTTP2_STREAM_CANCEL'), { cause: coded('ECONNREFUSED') });
    expect(h2Failure(cancelled).kind).toBe('ECONNREFUSED');
    expect(h2Failure(coded('ERR_HTTP2_STREAM_CANCEL')).kind).toBe('closed');
    expect(h2Failure(coded('ERR_HTTP2_STREAM_ERROR')).kind).toBe('h2 stream reset');
  });
});

describe('h2Headers', () => {
  it('lower-cases names, makes Host the :authority and leaves out HTTP/1.1 connection fields', () => {
    const h = h2Headers('POST', '/a?b=1', [
      'Host',
      'example.test',
      'Connection',
      'keep-alive',
      'Transfer-Encoding',
      'chunked',
      'X-Tag',
      'one',
      'x-tag',
      'two',
    ]);
    expect(h).toEqual({
      ':method': 'POST',
      ':path': '/a?b=1',
      ':authority': 'example.test',
      'x-tag': ['one', 'two'],
    });
    // `name: value\r\n` per field, as HTTP/1.1 would send them.
    expect(headerBytes({ a: 'b', cc: ['d', 'e'] })).toBe(1 + 1 + 4 + (2 + 1 + 4) * 2);
  });
});

describe('h2ProtocolNotes', () => {
  it('a note only when some endpoint met a server that does not speak HTTP/2', () => {
    expect(h2ProtocolNotes([{ errors: { timeout: 3 } }, {}])).toEqual([]);
    expect(h2ProtocolNotes([{ errors: { [H2_PROTOCOL_ERROR]: 1 } }])[0]).toMatch(/did not speak HTTP\/2/);
  });
});

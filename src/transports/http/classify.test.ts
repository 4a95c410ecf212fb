import { describe, expect, it } from 'vitest';
import { classifyError, errorMessage } from './classify.js';

describe('classifyError', () => {
  it('counts running out of descriptors, per process or system-wide, as EMFILE', () => {
    expect(classifyError(Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }))).toBe('EMFILE');
    expect(classifyError(Object.assign(new Error('connect ENFILE'), { code: 'ENFILE' }))).toBe('EMFILE');
  });
});

describe('TLS failures', () => {
  const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('are one kind, each with a readable sub-reason and no OpenSSL text', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', /^self-signed certificate \(/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify', /^certificate signed by an unknown authority/],
      ['CERT_HAS_EXPIRED', 'certificate has expired', /^certificate expired/],
      [
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames: Host: a.test. is not in the cert's altnames: DNS:b.test",
        /^certificate is not for this host name \(Host: a\.test\./,
      ],
      [
        'ERR_SSL_WRONG_VERSION_NUMBER',
        'C0F7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number\n',
        /^the server does not speak TLS/,
      ],
      [
        'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
        'C0:error:0A:SSL routines::tlsv1 alert\n',
        /handshake failed: tlsv1 alert protocol version/,
      ],
    ];
    for (const [code, message, expected] of cases) {
      const err = tlsError(code, message);
      expect(classifyError(err), code).toBe('tls');
      const text = errorMessage(err);
      expect(text, code).toMatch(expected);
      expect(text, code).not.toMatch(/SSL routines|\n/);
    }
  });

  it('hint at -k and --cacert when the certificate is the problem', () => {
    expect(errorMessage(tlsError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))).toMatch(
      /-k .*--cacert FILE/,
    );
    expect(errorMessage(tlsError('ERR_SSL_WRONG_VERSION_NUMBER', 'x'))).not.toMatch(/--cacert/);
  });
});

import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redactHeaders, redactText, redactUrl } from './redact.js';

describe('isSecretName', () => {
  it.each([
    'Authorization',
    'proxy-authorization',
    'Cookie',
    'Set-Cookie',
    'X-Auth-Token',
    'X-Api-Key',
    'api_key',
    'apikey',
    'Api-Key',
    'access_token',
    'client_secret',
    'X-Password',
    'DB_PASSWD',
    '--token',
    'API_TOKEN',
  ])('%s is a secret', (name) => expect(isSecretName(name)).toBe(true));

  it.each(['Accept', 'Content-Type', 'X-Tenant', 'user', 'page', 'author', '--vus'])('%s is not', (name) =>
    expect(isSecretName(name)).toBe(false),
  );
});

describe('redactText', () => {
  it.each([
    ['http://user:PASS1@127.0.0.1:8080/x', `http://user:${REDACTED}@127.0.0.1:8080/x`],
    ['https://u:p@ss@host/', `https://u:${REDACTED}@host/`],
    ['GET http://h/x?token=T1&page=2', `GET http://h/x?token=${REDACTED}&page=2`],
    ['/x?page=1&api_key=K1#top', `/x?page=1&api_key=${REDACTED}#top`],
    ['/x?access_token=A&password=P', `/x?access_token=${REDACTED}&password=${REDACTED}`],
    ['Authorization: Bearer abc.def', `Authorization: ${REDACTED}`],
    ["-H 'X-Auth-Token: t0k' -H 'Accept: */*'", `-H 'X-Auth-Token: ${REDACTED}' -H 'Accept: */*'`],
    ['node server.js --token=S3 --port 8080', `node server.js --token=${REDACTED} --port 8080`],
    ['API_TOKEN=S4 node server.js', `API_TOKEN=${REDACTED} node server.js`],
    ['node server.js --api-key S5 --verbose', `node server.js --api-key ${REDACTED} --verbose`],
    ['{"user":"u","password":"p\\"w"}', `{"user":"u","password":"${REDACTED}"}`],
    ['sent Bearer xyz123 to it', `sent Bearer ${REDACTED} to it`],
  ])('%s', (input, want) => expect(redactText(input)).toBe(want));

  it('leaves ordinary text alone', () => {
    for (const s of [
      'GET /items/42 answered 503',
      'connect ECONNREFUSED 127.0.0.1:8080',
      'http://127.0.0.1:8080/search?q=shoes&page=2',
      'squall run: test.yaml — main (constant-vus)',
      'http://user@host/',
    ]) {
      expect(redactText(s)).toBe(s);
    }
  });

  it('is idempotent', () => {
    const once = redactText('http://u:p@h/?token=t Authorization: Bearer b --secret s X_KEY=1 API_KEY=2');
    expect(redactText(once)).toBe(once);
    expect(once).not.toMatch(/\bp@|=t\b|Bearer b|--secret s|API_KEY=2/);
  });
});

describe('redactUrl and redactHeaders', () => {
  it('keep undefined, and the URL readable', () => {
    expect(redactUrl(undefined)).toBeUndefined();
    expect(redactUrl('http://a:b@h:1/p?q=1&secret=2')).toBe(
      `http://a:${REDACTED}@h:1/p?q=1&secret=${REDACTED}`,
    );
  });

  it('redact secret-named headers and scan the others', () => {
    expect(
      redactHeaders({
        Authorization: 'Basic dXNlcjpwYXNz',
        'X-Auth-Token': 't',
        Cookie: 'sid=1',
        Referer: 'http://u:p@h/',
        Accept: 'text/plain',
      }),
    ).toEqual({
      Authorization: REDACTED,
      'X-Auth-Token': REDACTED,
      Cookie: REDACTED,
      Referer: `http://u:${REDACTED}@h/`,
      Accept: 'text/plain',
    });
  });
});

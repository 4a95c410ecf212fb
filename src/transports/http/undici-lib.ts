import { createRequire } from 'node:module';

type Undici = typeof import('undici');
type ParseSetCookie = (header: string) => ReturnType<Undici['parseCookie']>;

const require = createRequire(import.meta.url);
let lib: Undici | null = null;
let parseSetCookie: ParseSetCookie | null = null;

/**
 * undici, loaded on first use: most runs send every request over the lean transport, and
 * undici's ~110 modules were a third of `squall run`'s start-up. It is CommonJS, so it loads
 * synchronously: no request ever awaits it, and the call costs a property read once loaded.
 */
export function undici(): Undici {
  if (lib === null) lib = require('undici') as Undici;
  return lib;
}

/**
 * undici's Set-Cookie parser (what its `parseCookie` calls after a string conversion), from its
 * own file so that a lean-transport run with cookies does not load the rest of undici.
 */
export function parseCookie(header: string): ReturnType<Undici['parseCookie']> {
  if (parseSetCookie === null) {
    try {
      parseSetCookie = (require('undici/lib/web/cookies/parse.js') as { parseSetCookie: ParseSetCookie })
        .parseSetCookie;
    } catch {
      // A future undici may move the file: its public entry point does the same.
      const u = undici();
      parseSetCookie = (h) => u.parseCookie(h);
    }
  }
  return parseSetCookie(String(header));
}

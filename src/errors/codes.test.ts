import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode, errorInfo } from './codes.js';

/** The catalogue and docs/errors.md list the same codes with the same exit statuses. */
describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `(SQ_[A-Z_]+)` *\| *(\d+) *\|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
  );

  it('documents every code with its exit status', () => {
    for (const [code, { exit }] of Object.entries(ERROR_CODES)) {
      expect(rows.get(code), `${code} in docs/errors.md`).toBe(exit);
    }
  });

  it('holds the hint docs/errors.md gives for every code', () => {
    const fixes = new Map(
      [...doc.matchAll(/^\| `(SQ_[A-Z_]+)` *\| *\d+ *\|[^|]*\| *(.*?) *\|$/gm)].map(
        (m) => [m[1]!, m[2]!] as const,
      ),
    );
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const info = errorInfo(code);
      expect(info.hint, code).toBe(fixes.get(code));
      expect(info.title.length, code).toBeGreaterThan(0);
    }
  });

  it('documents no code that does not exist', () => {
    for (const code of rows.keys()) expect(Object.keys(ERROR_CODES), code).toContain(code);
  });

  it('uses the contract exit codes only: 2 for bad input, 1 for the rest', () => {
    for (const { exit } of Object.values(ERROR_CODES)) expect([1, 2]).toContain(exit);
  });
});

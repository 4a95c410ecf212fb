/**
 * What each file of test/fixtures/invalid/ must produce, read from its own header comments
 * (`expect:`, `message:`, `path:`) and its lines marked `<- here`; shared by the in-process test
 * (src/config/invalid-fixtures.test.ts) and the CLI test (test/e2e/run-invalid.test.ts).
 */
export interface Expectation {
  code: string;
  message: string;
  path?: string;
  /** 1-based lines marked `<- here`, in file order. */
  lines: number[];
}

/** Files that cannot carry comments. */
const SIDE_TABLE: Record<string, Expectation> = {
  'unknown-key.json': {
    code: 'SQ_CONFIG_UNKNOWN_KEY',
    message: "unknown key 'thresolds' — did you mean 'thresholds'?",
    path: 'thresolds',
    lines: [6],
  },
};

export function expectationOf(name: string, text: string): Expectation {
  const side = SIDE_TABLE[name];
  if (side) return side;
  const header = (key: string) => new RegExp(`^(?:#|//) ${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const code = header('expect');
  const message = header('message');
  if (!code || !message) throw new Error(`${name} has no 'expect:' and 'message:' header`);
  const lines = text.split('\n').flatMap((line, i) => (/(?:#|\/\/) <- here\s*$/.test(line) ? [i + 1] : []));
  const path = header('path');
  return { code, message, lines, ...(path ? { path } : {}) };
}

import { describe, expect, it } from 'vitest';
import { rememberSourceMap, scriptPosition, thrownFromScript } from './script-location.js';

/** An Error whose stack is `frames`, as V8 would print them. */
function thrown(frames: string[]): Error {
  const e = new Error('boom');
  e.stack = ['Error: boom', ...frames.map((f) => `    at ${f}`)].join('\n');
  return e;
}

describe('scriptPosition', () => {
  it('takes the first frame in the test file, past squall frames and a tsx query', () => {
    const e = thrown([
      'get (/app/dist/transports/http/client.js:10:5)',
      'run (file:///work/tests/load.ts?tsx-namespace=1:12:7)',
      'other (/work/tests/load.ts:30:1)',
    ]);
    expect(scriptPosition(e, '/work/tests/load.ts')).toEqual({ line: 12, column: 7 });
    expect(thrownFromScript(e, '/work/tests/load.ts')).toBe(true);
    expect(thrownFromScript(e, '/work/tests/other.ts')).toBe(false);
  });

  it('maps a frame of CommonJS compiled under a data: URL through the remembered source map', () => {
    const file = '/work/cjs/load.ts';
    // Generated line 2, column 1 comes from line 7, column 5 of the source (1-based).
    const map = { version: 3, sources: [file], names: [], mappings: ';AAMI' };
    rememberSourceMap(file, Buffer.from(JSON.stringify(map)).toString('base64'));
    const url = `data:text/javascript,var%20x?filePath=${encodeURIComponent(`${file}?namespace=squall-test`)}`;
    const e = thrown([`Timeout._onTimeout (${url}:2:1)`]);
    expect(scriptPosition(e, file)).toEqual({ line: 7, column: 5 });
    expect(thrownFromScript(e, file)).toBe(true);
  });

  it('is undefined for a value that is no Error, or a stack outside the file', () => {
    expect(scriptPosition('text', '/x.ts')).toBeUndefined();
    expect(scriptPosition(thrown(['f (/elsewhere.ts:1:1)']), '/x.ts')).toBeUndefined();
  });
});

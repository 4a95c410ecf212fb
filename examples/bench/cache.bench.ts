// A cache's speedup, pytest-benchmark's "cache speedup > 10× vs cold": the same lookup without the
// cache (cold) and through it (warm), in one group so that squall compares them.
//
//   squall bench examples/bench/cache.bench.ts
//
// The warm bench passes when the LOWER bound of the 95 % interval of its speedup over cold is at
// least 10: a noisy run whose middle estimate happens to reach 10× does not pass by luck.
import { bench, group } from 'squall';

/** The expensive part: parse a template and resolve its placeholders (a stand-in for I/O or a DB). */
function compileTemplate(id: number): (vars: Record<string, string>) => string {
  const source = `<h1>{{title}}</h1>${'<p>{{body}} {{footer}}</p>'.repeat(200)}<!-- ${id} -->`;
  const parts = source.split(/(\{\{\w+\}\})/);
  return (vars) => parts.map((p) => (p.startsWith('{{') ? (vars[p.slice(2, -2)] ?? '') : p)).join('');
}

const cache = new Map<number, (vars: Record<string, string>) => string>();

function fetchTemplate(id: number, options: { cache?: boolean } = {}) {
  if (options.cache === false) return compileTemplate(id);
  let t = cache.get(id);
  if (!t) {
    t = compileTemplate(id);
    cache.set(id, t);
  }
  return t;
}

const id = 42;

group('template fetch', () => {
  bench('cold', () => fetchTemplate(id, { cache: false }));
  bench('warm', () => fetchTemplate(id), {
    speedup: { over: 'cold', atLeast: 10 },
    budget: ['mean<50µs', 'heap<1kB'],
  });
});

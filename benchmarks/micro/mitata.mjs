// The mitata side of the micro scenario (benchmarks/run.mjs --only micro): the same functions,
// each return value passed to do_not_optimize as mitata's docs ask. Run with --expose-gc, like
// squall's bench child, so that both collect garbage between benchmarks. Prints mitata's JSON.
import { bench, do_not_optimize, run } from 'mitata';
import { FUNCTIONS } from './functions.mjs';

for (const [name, fn] of Object.entries(FUNCTIONS)) bench(name, () => do_not_optimize(fn()));

await run({ format: { json: { samples: false, debug: false } }, throw: true });

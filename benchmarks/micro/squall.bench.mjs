// The squall side of the micro scenario (benchmarks/run.mjs --only micro): the functions are
// registered as they are; squall keeps their return values alive itself.
import { bench } from 'squall';
import { FUNCTIONS } from './functions.mjs';

for (const [name, fn] of Object.entries(FUNCTIONS)) bench(name, fn);

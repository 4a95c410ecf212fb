#!/usr/bin/env node
// `squall --version` alone is answered here, without loading the CLI and its argument parser
// (docs/PERFORMANCE.md, "Start-up"); everything else goes through dist/cli/main.js.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  import('../dist/result/version.js').then((m) => process.stdout.write(`${m.VERSION}\n`));
} else {
  import('../dist/cli/main.js').then((m) => m.main());
}

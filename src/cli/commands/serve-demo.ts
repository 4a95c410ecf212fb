import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { DEMO_MAIN } from '../demo-process.js';

const EXAMPLES = `
Examples:
  $ squall serve-demo                      # http://127.0.0.1:5110
  $ squall serve-demo --port 8080
  $ squall quick -c 20 -d 10s http://127.0.0.1:5110/prompts/1

Routes: GET /health; GET, POST /prompts; GET, PUT, DELETE /prompts/:id (in memory, with a few ms
of simulated storage latency).`;

export function registerServeDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve-demo')
    .description('run the built-in demo API alone, to try squall by hand')
    .option('-p, --port <n>', 'port to listen on (0 = a free port)', '5110')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: { port: string; host: string }) => {
      const child = spawn(process.execPath, [DEMO_MAIN, '--port', opts.port, '--host', opts.host], {
        stdio: 'inherit',
      });
      // Stop the API whichever way squall is stopped (Ctrl-C reaches both; a second signal
      // only makes the API exit sooner).
      process.on('SIGTERM', () => child.kill('SIGTERM'));
      process.on('SIGINT', () => child.kill('SIGINT'));
      const code = await new Promise<number>((resolve) =>
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 0 : 1))),
      );
      setExit(code);
    });
}

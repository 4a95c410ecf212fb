import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { DEMO_MAIN } from '../demo-process.js';

const EXAMPLES = `
Examples:
  $ squall serve-demo                      # http://127.0.0.1:5110
  $ squall serve-demo --port 8080
  $ squall quick -c 20 -d 10s http://127.0.0.1:5110/prompts/1
  $ squall serve-demo --llm-first-token 500ms --llm-token-delay 30ms
  $ squall llm http://127.0.0.1:5110/v1/chat/completions --model demo -c 4 -d 20s

Routes: GET /health; GET, POST /prompts; GET, PUT, DELETE /prompts/:id (in memory, with a few ms
of simulated storage latency); POST /v1/chat/completions and /v1/completions (OpenAI-compatible,
streamed as server-sent events with "stream": true: the first token after --llm-first-token, then
one every --llm-token-delay, --llm-tokens of them unless the request sets max_tokens).`;

export function registerServeDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve-demo')
    .description('run the built-in demo API alone, to try squall by hand')
    .option('-p, --port <n>', 'port to listen on (0 = a free port)', '5110')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--llm-tokens <n>', 'tokens in a completion without max_tokens', '50')
    .option('--llm-first-token <ms>', 'delay before the first token (200, 200ms, 1.5s)', '200ms')
    .option('--llm-token-delay <ms>', 'delay between tokens', '20ms')
    .addHelpText('after', EXAMPLES)
    .action(
      async (opts: {
        port: string;
        host: string;
        llmTokens: string;
        llmFirstToken: string;
        llmTokenDelay: string;
      }) => {
        const args = [DEMO_MAIN, '--port', opts.port, '--host', opts.host];
        args.push('--llm-tokens', opts.llmTokens, '--llm-first-token', opts.llmFirstToken);
        args.push('--llm-token-delay', opts.llmTokenDelay);
        const child = spawn(process.execPath, args, { stdio: 'inherit' });
        // Stop the API whichever way squall is stopped (Ctrl-C reaches both; a second signal
        // only makes the API exit sooner).
        process.on('SIGTERM', () => child.kill('SIGTERM'));
        process.on('SIGINT', () => child.kill('SIGINT'));
        const code = await new Promise<number>((resolve) =>
          child.on('exit', (c, sig) => resolve(c ?? (sig ? 0 : 1))),
        );
        setExit(code);
      },
    );
}

import type { Command } from 'commander';
import type { LlmFlags } from '../../api/llm.js';
import { addHistoryFlags, REPORT_DIR_HELP } from '../common-flags.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall serve-demo &                    # an OpenAI-compatible stub: 200ms to the first token, then 20ms each
  $ squall llm http://127.0.0.1:5110/v1/chat/completions --model demo -c 4 -d 30s
  $ squall llm http://127.0.0.1:8000 --model meta-llama/Llama-3.1-8B-Instruct --prompts prompts.jsonl --max-tokens 256 -R 2 -d 2m
  $ squall llm http://127.0.0.1:8000/v1/completions --model M -c 8 -n 200 --threshold 'llm_ttft:p(95)<500ms' --threshold 'llm_tpot:p(95)<50ms'
  $ OPENAI_API_KEY=sk-… squall llm http://127.0.0.1:8000 --model M -n 20 --json > llm.json

Sends "stream": true (and stream_options.include_usage) and reads the answer as server-sent events.
Metrics, as vLLM's benchmark_serving, LLMPerf and GenAI-Perf name them: llm_ttft (time to first
token), llm_itl (gaps between tokens), llm_tpot ((e2e - ttft) / (output tokens - 1), per request),
llm_e2e, llm_input_tokens and llm_output_tokens (from the server's usage when it sends it, else
the content chunks counted: llm_usage_reported says which), and llm_goodput: the share of requests
that met every --threshold on llm_ttft, llm_itl, llm_tpot and llm_e2e, each request held to the
bound with its own value. Output tokens/s is llm_output_tokens' rate, requests/s http_reqs'.
A response that is not an event stream, is malformed, or ends without [DONE] or any token counts
as a failed request. --prompts: one JSON a line, {"prompt": "..."} or {"messages": [...]}.
In a test file, a request with llm: true records the same metrics. See docs/llm.md.

Exit codes: 0 ok, 99 a threshold failed, 2 bad input, 130 interrupted.`;

export function registerLlm(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('llm')
    .description('load an OpenAI-compatible streaming endpoint: TTFT, ITL, tokens/s, goodput')
    .argument(
      '<url>',
      'the chat/completions (or completions) URL, or the base URL (…/v1/chat/completions is added)',
    )
    .option('--model <name>', 'the model to ask for (required)')
    .option('--prompts <file.jsonl>', 'prompts, one JSON object a line; the requests take them in turn')
    .option('--max-tokens <n>', "max_tokens of each request (default: the server's)")
    .option('-c, --connections <n>', 'concurrent requests (closed model; default 1)')
    .option('-R, --rate <r>', 'open model: start R requests per second, whatever the answers do')
    .option('-d, --duration <d>', 'test length (default 10s unless -n)')
    .option('-n, --requests <n>', 'stop after N requests')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect)
    .option('--api-key <key>', 'sent as Authorization: Bearer KEY (default: env OPENAI_API_KEY)')
    .option('--timeout <d>', 'per-request timeout (default 60s)')
    .option(
      '--threshold <metric:expr>',
      "a budget, e.g. 'llm_ttft:p(95)<500ms'; on llm_ttft, llm_itl, llm_tpot, llm_e2e also a goodput SLO (repeatable)",
      collect,
    )
    .option(
      '-o, --out <kind=path>',
      'write json=r.json, html=r.html, csv=PREFIX, junit=r.xml, md=r.md (repeatable)',
      collect,
    )
    .option('--report-dir <dir>', REPORT_DIR_HELP)
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no progress; print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)');
  addHistoryFlags(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (url: string, opts: LlmFlags) => {
      // Imported when it runs: `squall llm --help` stays cheap (main.ts).
      const [{ llmSession }, { processIO }, { withHistory }] = await Promise.all([
        import('../../api/llm.js'),
        import('../../api/io.js'),
        import('../../api/run-history.js'),
      ]);
      const io = processIO();
      const { exitCode } = await withHistory(opts, io, 'load', (judge) =>
        llmSession(url, opts, io, { judge }),
      );
      setExit(exitCode);
    });
}

/**
 * The demo API as a program. Other squall commands start it as a child process and read the URL
 * from its one stdout line, so that line's format is a contract:
 *   squall demo API listening on http://HOST:PORT
 */
import type http from 'node:http';
import { createDemoServer } from './app.js';
import type { DemoLlmOptions } from './llm.js';

const USAGE =
  'usage: node dist/demo/main.js [--port N (default 5110, 0 = any free port)] [--host H] ' +
  '[--llm-tokens N (default 50)] [--llm-first-token MS (default 200)] [--llm-token-delay MS (default 20)]';

interface Args {
  port: number;
  host: string;
  llm: DemoLlmOptions;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' {
  const args: Args = { port: 5110, host: '127.0.0.1', llm: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    // Both `--port 8080` and `--port=8080`, as every CLI accepts.
    const value = () => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    if (name === '--help' || name === '-h') return 'help';
    else if (name === '--port') args.port = parsePort(value());
    else if (name === '--host') args.host = parseHost(value());
    else if (name === '--llm-tokens') args.llm.tokens = parseCount(name, value());
    else if (name === '--llm-first-token') args.llm.firstTokenMs = parseMs(name, value());
    else if (name === '--llm-token-delay') args.llm.tokenMs = parseMs(name, value());
    else throw new UsageError(`unknown argument '${arg}'; ${USAGE}`);
  }
  return args;
}

function parsePort(value: string | undefined): number {
  const port = value !== undefined && /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(
      `invalid --port '${value ?? ''}': expected an integer from 0 to 65535 (0 = any free port)`,
    );
  }
  return port;
}

function parseCount(flag: string, value: string | undefined): number {
  const n = value !== undefined && /^\d{1,4}$/.test(value) ? Number(value) : 0;
  if (!(n >= 1 && n <= 4096))
    throw new UsageError(`invalid ${flag} '${value ?? ''}': expected an integer from 1 to 4096`);
  return n;
}

/** `200`, `200ms` or `1.5s`: the demo has no access to squall's own duration parser. */
function parseMs(flag: string, value: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value ?? '');
  if (!m)
    throw new UsageError(
      `invalid ${flag} '${value ?? ''}': expected milliseconds such as 200 or 200ms, or 1.5s`,
    );
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function parseHost(value: string | undefined): string {
  if (!value || value.startsWith('-')) {
    throw new UsageError(`--host needs a value, an address or name to listen on such as 127.0.0.1`);
  }
  return value;
}

function listeningLine(host: string, port: number): string {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return `squall demo API listening on http://${urlHost}:${port}`;
}

function listenFailure(err: NodeJS.ErrnoException, { host, port }: Args): string {
  const where = `${host}:${port}`;
  if (err.code === 'EADDRINUSE') {
    return `cannot listen on ${where}: the port is already in use; pass --port 0 to pick a free port`;
  }
  if (err.code === 'EACCES') return `cannot listen on ${where}: permission denied; use a port above 1023`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    return `cannot listen on ${where}: no such local address; try --host 127.0.0.1`;
  }
  return `cannot listen on ${where}: ${err.message}`;
}

/** Stops on SIGINT/SIGTERM: finish what is in flight (briefly), then exit 0. */
function stopOnSignals(server: http.Server): void {
  let stopping = false;
  const stop = () => {
    // A second signal means "now".
    if (stopping) process.exit(0);
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function readArgs(argv: readonly string[]): Args {
  try {
    const args = parseArgs(argv);
    if (args !== 'help') return args;
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`squall demo: ${err.message}\n`);
    process.exit(2);
  }
}

function main(argv: readonly string[]): void {
  const args = readArgs(argv);
  const server = createDemoServer({ llm: args.llm });
  stopOnSignals(server);
  server.once('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`squall demo: ${listenFailure(err, args)}\n`);
    process.exit(1);
  });
  server.listen(args.port, args.host, () => {
    server.removeAllListeners('error');
    // After listening, an accept failure (say, out of file descriptors under a big test) must not kill it.
    server.on('error', (err) => process.stderr.write(`squall demo: ${err.message}\n`));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : args.port;
    process.stdout.write(`${listeningLine(args.host, port)}\n`);
  });
}

main(process.argv.slice(2));

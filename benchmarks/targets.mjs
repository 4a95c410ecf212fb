// The HTTP targets: nginx (or a Node fallback) returning 200 'ok', and a Node server that waits 20 ms.
// All listen on 127.0.0.1 only and are pinned to the target CPU.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, pin, start, TARGET_CPU, tmpDir } from './proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts argv and waits until it accepts connections; fails with its stderr if it dies or stalls. */
async function launch(name, argv, port) {
  const child = start(argv);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.resume();
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', (err) => {
    exited = true;
    stderr += err.message;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !exited) {
    if (await canConnect(port)) return { name, url: `http://127.0.0.1:${port}/`, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`target ${name} did not start on port ${port}:\n${stderr}`);
}

async function startNginx(cpu) {
  const port = await freePort();
  // One file per port: the workers scenarios start a second, unpinned nginx.
  const conf = path.join(tmpDir, `nginx-${port}.conf`);
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; error_log stderr; pid ${path.join(tmpDir, `nginx-${port}.pid`)};
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / { return 200 'ok'; }
  }
}
`,
  );
  // -e stderr: do not touch the system error log before the config is read.
  return launch('nginx', pin(cpu, ['nginx', '-e', 'stderr', '-c', conf, '-p', `${tmpDir}/`]), port);
}

/** nginx speaking h2c with prior knowledge (`listen … http2` without ssl), the http2 scenario's target. */
async function startNginxH2c(cpu) {
  const port = await freePort();
  const conf = path.join(tmpDir, `nginx-h2c-${port}.conf`);
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; error_log stderr; pid ${path.join(tmpDir, `nginx-h2c-${port}.pid`)};
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${port} http2;
    keepalive_requests 1000000;
    http2_max_concurrent_streams 256;
    location / { return 200 'ok'; }
  }
}
`,
  );
  return launch('nginx h2c', pin(cpu, ['nginx', '-e', 'stderr', '-c', conf, '-p', `${tmpDir}/`]), port);
}

async function startNodeH2c(cpu) {
  const port = await freePort();
  return launch(
    'node:http2 h2c',
    pin(cpu, [process.execPath, path.join(here, 'h2-server.mjs'), String(port)]),
    port,
  );
}

async function startNode(name, delayMs, cpu) {
  const port = await freePort();
  const argv = [process.execPath, path.join(here, 'server.mjs'), String(port), String(delayMs)];
  return launch(name, pin(cpu, argv), port);
}

const started = new Map();

/**
 * 'fast' → nginx when installed, else node:http; 'delay' → node:http answering after 20 ms;
 * 'fast-unpinned' → the 'fast' server on no particular CPU, for load generators that use both
 * cores (the workers scenarios); 'h2c' → nginx speaking HTTP/2 with prior knowledge, else
 * node:http2 (the http2 scenario). Each started once.
 */
export async function target(kind) {
  if (!started.has(kind)) {
    const cpu = kind === 'fast-unpinned' ? null : TARGET_CPU;
    const pending =
      kind === 'h2c'
        ? hasCommand('nginx')
          ? startNginxH2c(cpu)
          : startNodeH2c(cpu)
        : kind === 'delay'
          ? startNode('node-20ms', 20, cpu)
          : hasCommand('nginx')
            ? startNginx(cpu)
            : startNode('node', 0, cpu);
    started.set(kind, pending);
  }
  return started.get(kind);
}

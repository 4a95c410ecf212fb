// A minimal keep-alive HTTP target run as its own process (so it can be pinned to the target CPU).
// Usage: node server.mjs <port> [delayMs]   — delayMs > 0 answers after a fixed timer.
import http from 'node:http';

const port = Number(process.argv[2]);
const delayMs = Number(process.argv[3] ?? 0);

const reply = (res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
};

const server = http.createServer((_req, res) => {
  if (delayMs > 0) setTimeout(reply, delayMs, res);
  else reply(res);
});
// Load generators keep connections open between rounds' pauses; do not cut them at Node's 5 s default.
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');

// A minimal h2c target (HTTP/2 with prior knowledge, no TLS) run as its own process, for the
// http2 scenario when nginx is missing. Usage: node h2-server.mjs <port>
import http2 from 'node:http2';

const port = Number(process.argv[2]);
const server = http2.createServer({ settings: { maxConcurrentStreams: 256 } });
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': '2' });
  stream.end('ok');
});
server.listen(port, '127.0.0.1');

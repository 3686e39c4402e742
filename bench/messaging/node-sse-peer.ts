import { createServer } from 'node:http';

// The floor of bench/push-memory.ts: an event stream written to Node's own response with no framework at
// all, one frame and then nothing until the client leaves. What Ringpost holds above this is its own cost.

createServer((request, response) => {
  if (request.url === '/health') {
    response.end('ok');
    return;
  }
  if (request.url !== '/events') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  response.write('event: ready\ndata: 1\n\n');
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

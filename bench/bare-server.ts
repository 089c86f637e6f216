// The yardstick of the API benchmark: node:http answering every request with one fixed JSON body
// (the size of a real read answer), nothing else. Run as a child: `node bench/bare-server.ts` is not
// TypeScript-specific, so it runs under tsx like the rest.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 0);
const body = Buffer.from(process.env.BENCH_BARE_BODY ?? '{"ok":true}');

const server = createServer((request, response) => {
  // Drain a request body (POSTs) before answering, as a real handler must.
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    response.end(body);
  });
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));

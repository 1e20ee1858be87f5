'use strict';
// The baseline of `npm run bench` (bench/server.ts): a bare restify 11 server with one POST route that
// parses JSON and echoes it. Plain JavaScript so it runs under plain `node`, exactly like dist/main.js.
const restify = require('restify');

const server = restify.createServer({ name: 'bench-echo', handleUncaughtExceptions: false });
server.post('/echo', restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }), async (req, res) => {
  res.send(200, req.body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

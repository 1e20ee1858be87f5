// `npm start`: the bot server (Teams /api/messages, Direct Line, the local web chat page).
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = createApp(config);
  const port = await app.listen(config.PORT, config.HOST);
  app.log.info({ port }, `listening: web chat on http://localhost:${port}/`);
  if (!config.DIRECT_LINE_SECRET) {
    // Printed once so a local vendor test can use it; set DIRECT_LINE_SECRET to keep one across restarts.
    process.stdout.write(`DIRECT_LINE_SECRET was not set; generated for this run: ${app.directLineSecret}\n`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing turns in flight');
    // server.close waits for requests in flight (each holds its turn) before the process exits.
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

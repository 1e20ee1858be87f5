// `npm start`: the bot server (Teams /api/messages, Direct Line, the local web chat page).
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { StorageOpenError } from './storage/levelStorage';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = createApp(config);
  const port = await app.listen(config.PORT, config.HOST);
  app.log.info({ port }, `listening: web chat on http://localhost:${port}/`);
  // Printed once so a local trial can use them; set them to keep the same values across restarts.
  if (!config.DIRECT_LINE_SECRET) process.stdout.write(`DIRECT_LINE_SECRET was not set; generated for this run: ${app.directLineSecret}\n`);
  if (!config.HELPDESK_API_TOKEN) process.stdout.write(`HELPDESK_API_TOKEN was not set; generated for this run: ${app.helpdeskApiToken}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing turns in flight');
    // No new connections; the requests in flight (each holds its turn) are answered, then the state
    // store is closed, then the process exits.
    app.close().then(
      () => {
        app.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError || err instanceof StorageOpenError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

// `npm start`: the bot server (Teams /api/messages, Direct Line, the local web chat page).
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { KnowledgeError } from './knowledge/loader';
import { StorageOpenError } from './storage/levelStorage';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = createApp(config);
  const port = await app.listen(config.PORT, config.HOST);
  app.log.info({ port }, `listening: web chat on http://localhost:${port}/`);
  // Generated secrets are shown to a person at a terminal, for a local trial; stdout that is not a
  // terminal ends up in collected logs, which never hold a secret.
  const generated = { DIRECT_LINE_SECRET: config.DIRECT_LINE_SECRET ? undefined : app.directLineSecret, HELPDESK_API_TOKEN: config.HELPDESK_API_TOKEN ? undefined : app.helpdeskApiToken };
  const where = app.keptSecretsPath ? `kept in ${app.keptSecretsPath}` : 'for this run only';
  for (const [name, value] of Object.entries(generated)) {
    if (value === undefined) continue;
    if (process.stdout.isTTY) process.stdout.write(`${name} was not set; generated (${where}): ${value}\n`);
    else app.log.warn(`${name} was not set; a generated one is used (${where}; set it to use it from outside)`);
  }
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
  process.stderr.write(`${err instanceof ConfigError || err instanceof KnowledgeError || err instanceof StorageOpenError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

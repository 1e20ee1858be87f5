import { MemoryStorage, type Storage } from 'botbuilder';
import restify, { type Server } from 'restify';
import { createBot } from './bot/createBot';
import type { BotRuntime, Channel } from './channels/channel';
import { MemoryDirectLineStore } from './channels/directline/conversationStore';
import { DirectLineChannel } from './channels/directline/directLineChannel';
import { generateSecret, TokenSigner } from './channels/directline/tokens';
import { WebChatPage } from './channels/directline/webChatPage';
import { SlackChannel } from './channels/slack/slackChannel';
import { TeamsChannel } from './channels/teams/teamsChannel';
import { slackSettings, type Config } from './config';
import { loadKnowledge } from './knowledge/loader';
import { createLogger, type Logger } from './logging';
import { hoursPolicy } from './replies/knowledgeReplies';

export interface AppOptions {
  log?: Logger;
  now?: () => Date;
  storage?: Storage;
}

export interface App {
  server: Server;
  log: Logger;
  directLine: DirectLineChannel;
  teams: TeamsChannel;
  /** Present when Slack is configured. */
  slack?: SlackChannel;
  /** The Direct Line secret in use (generated when not configured). */
  directLineSecret: string;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** The composition root: knowledge, state, bot, channels and routes. No logic lives here. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const kb = loadKnowledge();
  const storage = options.storage ?? new MemoryStorage();
  const assembled = createBot({ kb, storage, hours: hoursPolicy(kb.contact, config.HELPDESK_CLOSED_DATES), now: options.now });
  const runtime: BotRuntime = { logic: (context) => assembled.bot.run(context), middleware: assembled.middleware, log };

  const server = restify.createServer({ name: 'careplan-helpdesk-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  const directLineSecret = config.DIRECT_LINE_SECRET ?? generateSecret();
  const teams = new TeamsChannel(runtime, config, config.MAX_BODY_BYTES);
  const directLine = new DirectLineChannel(runtime, new MemoryDirectLineStore(), new TokenSigner(directLineSecret), config.MAX_BODY_BYTES, `http://localhost:${config.PORT}`);
  const slackConfig = slackSettings(config);
  const slack = slackConfig ? new SlackChannel(runtime, slackConfig) : undefined;
  const channels: Channel[] = [teams, directLine, new WebChatPage(directLine, new Set(config.WEBCHAT_ALLOWED_ORIGINS)), ...(slack ? [slack] : [])];
  for (const channel of channels) channel.mount(server);

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', entries: kb.entries.length });
  });
  server.on('restifyError', (req, res, err, callback) => {
    // Bad JSON, too-large bodies and unknown routes are the client's; only log what is ours.
    if ((err as { statusCode?: number }).statusCode === undefined || (err as { statusCode: number }).statusCode >= 500) log.error({ err, url: req.url }, 'request failed');
    return callback();
  });

  return {
    server,
    log,
    directLine,
    teams,
    slack,
    directLineSecret,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      }),
    close: async () => {
      for (const channel of channels) await channel.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

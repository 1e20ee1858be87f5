import { join } from 'node:path';
import type { ConversationReference, Storage } from 'botbuilder';
import restify, { type Server } from 'restify';
import { createBot } from './bot/createBot';
import { replyActivity } from './bot/replyActivity';
import type { BotRuntime, Channel } from './channels/channel';
import { MemoryDirectLineStore, StorageDirectLineStore } from './channels/directline/conversationStore';
import { DIRECT_LINE_CHANNEL_ID } from './channels/directline/directLineAdapter';
import { DirectLineChannel } from './channels/directline/directLineChannel';
import { generateSecret, TokenSigner } from './channels/directline/tokens';
import { WebChatPage } from './channels/directline/webChatPage';
import { SLACK_CHANNEL_ID } from './channels/slack/slackAdapter';
import { SlackChannel } from './channels/slack/slackChannel';
import { SlackHelpdesk } from './channels/slack/slackHelpdesk';
import { TeamsChannel } from './channels/teams/teamsChannel';
import { TeamsHelpdesk } from './channels/teams/teamsHelpdesk';
import type { HandoffService } from './handoff/handoffService';
import { mountHelpdeskApi } from './handoff/helpdeskApi';
import { slackSettings, type Config } from './config';
import { loadKnowledge } from './knowledge/loader';
import { createLogger, type Logger } from './logging';
import { hoursPolicy } from './replies/knowledgeReplies';
import type { Reply } from './replies/model';
import { LevelStorage } from './storage/levelStorage';

export interface AppOptions {
  log?: Logger;
  now?: () => Date;
  /**
   * State storage provided by the caller, who also closes it (tests: MemoryStorage); Direct Line
   * conversations then stay in memory. Without it: the durable store under DATA_DIR.
   */
  storage?: Storage;
}

export interface App {
  server: Server;
  log: Logger;
  directLine: DirectLineChannel;
  teams: TeamsChannel;
  /** Present when Slack is configured. */
  slack?: SlackChannel;
  handoff: HandoffService;
  /** The Direct Line secret in use (generated when not configured). */
  directLineSecret: string;
  /** The helpdesk API token in use (generated when not configured). */
  helpdeskApiToken: string;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** The composition root: knowledge, state, bot, channels and routes. No logic lives here. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const kb = loadKnowledge();
  // Conversation state, tickets and Direct Line conversations: on disk under DATA_DIR (opened by
  // listen, closed by close) unless the caller brings its own storage.
  const durable = options.storage ? undefined : new LevelStorage(join(config.DATA_DIR, 'state'));
  const storage: Storage = options.storage ?? durable!;
  const assembled = createBot({ kb, storage, hours: hoursPolicy(kb.contact, config.HELPDESK_CLOSED_DATES), now: options.now, log });
  const runtime: BotRuntime = { logic: (context) => assembled.bot.run(context), middleware: assembled.middleware, log };

  const server = restify.createServer({ name: 'careplan-helpdesk-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  const directLineSecret = config.DIRECT_LINE_SECRET ?? generateSecret();
  const teams = new TeamsChannel(runtime, config, config.MAX_BODY_BYTES);
  const directLine = new DirectLineChannel(runtime, durable ? new StorageDirectLineStore(durable) : new MemoryDirectLineStore(), new TokenSigner(directLineSecret), config.MAX_BODY_BYTES, `http://localhost:${config.PORT}`);
  const slackConfig = slackSettings(config);
  const slack = slackConfig ? new SlackChannel(runtime, slackConfig) : undefined;
  const channels: Channel[] = [teams, directLine, ...(slack ? [slack] : [])];
  for (const channel of [...channels, new WebChatPage(directLine, new Set(config.WEBCHAT_ALLOWED_ORIGINS))]) channel.mount(server);

  // Hand-off: agents' replies reach users through their own channel; tickets reach the helpdesk
  // in Slack and/or Teams when configured, and always through the API.
  const { handoff } = assembled;
  const sendVia = (channel: Channel) => async (reference: Partial<ConversationReference>, reply: Reply) => {
    // The adapter's turn-error handler would swallow a failed send; the agent must hear of it.
    let failure: unknown;
    await channel.continueConversation(reference, async (context) => {
      await context.sendActivity(replyActivity(reply)).catch((err: unknown) => (failure = err ?? new Error('send failed')));
    });
    if (failure) throw failure;
  };
  handoff.setSender('*', sendVia(teams));
  handoff.setSender(DIRECT_LINE_CHANNEL_ID, sendVia(directLine));
  if (slack) handoff.setSender(SLACK_CHANNEL_ID, sendVia(slack));
  if (slack && config.HELPDESK_SLACK_CHANNEL) handoff.addNotifier(new SlackHelpdesk(slack, config.HELPDESK_SLACK_CHANNEL, handoff));
  if (config.HELPDESK_TEAMS_CHANNEL_ID && config.HELPDESK_TEAMS_SERVICE_URL) {
    handoff.addNotifier(new TeamsHelpdesk(teams, { channelId: config.HELPDESK_TEAMS_CHANNEL_ID, serviceUrl: config.HELPDESK_TEAMS_SERVICE_URL, tenantId: config.MicrosoftAppTenantId }, handoff));
  }
  const helpdeskApiToken = config.HELPDESK_API_TOKEN ?? generateSecret();
  mountHelpdeskApi(server, handoff, helpdeskApiToken, config.MAX_BODY_BYTES, log);

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
    handoff,
    directLineSecret,
    helpdeskApiToken,
    listen: async (port, host = '0.0.0.0') => {
      // A store that cannot be opened (e.g. another process holds DATA_DIR) stops the start here.
      await durable?.open();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      });
    },
    close: async () => {
      for (const channel of channels) await channel.close?.();
      // Resolves once the requests in flight (each holding its turn) have been answered.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await durable?.close();
    },
  };
}

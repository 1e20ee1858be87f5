import { join } from 'node:path';
import type { ConversationReference, Storage } from 'botbuilder';
import restify, { type Server } from 'restify';
import { mountAnalytics } from './analytics/http';
import { AnalyticsRecorder } from './analytics/recorder';
import { createBot } from './bot/createBot';
import { SharedTurnQueue } from './bot/turnQueue';
import { replyActivity } from './replies/activity';
import type { BotRuntime, Channel } from './channels/channel';
import { MemoryDirectLineStore, StorageDirectLineStore } from './channels/directline/conversationStore';
import { DIRECT_LINE_CHANNEL_ID } from './channels/directline/directLineAdapter';
import { DirectLineChannel } from './channels/directline/directLineChannel';
import { TokenSigner } from './channels/directline/tokens';
import { WebChatPage } from './channels/directline/webChatPage';
import { SLACK_CHANNEL_ID } from './channels/slack/slackAdapter';
import { SlackChannel } from './channels/slack/slackChannel';
import { SlackHelpdesk } from './channels/slack/slackHelpdesk';
import { TeamsChannel } from './channels/teams/teamsChannel';
import { TeamsHelpdesk } from './channels/teams/teamsHelpdesk';
import type { HandoffService } from './handoff/handoffService';
import { mountHelpdeskApi } from './handoff/helpdeskApi';
import { HelpdeskEventFeed } from './helpdeskConsole/eventFeed';
import { mountHelpdeskConsole } from './helpdeskConsole/helpdeskConsole';
import { oidcSettings, slackSettings, type Config } from './config';
import { HelpdeskAuth } from './helpdeskAuth';
import { HelpdeskDashboard } from './helpdeskDashboard';
import { loadKnowledge } from './knowledge/loader';
import { createLogger, type Logger } from './logging';
import { hoursPolicy } from './replies/knowledgeReplies';
import type { Reply } from './replies/model';
import { installLimits, pathOf, requestContext, requestLog } from './server';
import { generateSecret, KeptSecrets } from './storage/keptSecrets';
import { LevelStorage } from './storage/levelStorage';
import { RedisStorage } from './storage/redisStorage';

export interface AppOptions {
  log?: Logger;
  now?: () => Date;
  /** Monotonic milliseconds for the rate limits (default performance.now; tests move it by hand). */
  clock?: () => number;
  /**
   * State storage provided by the caller, who also closes it (tests: MemoryStorage); Direct Line
   * conversations then stay in memory. Without it: Redis when REDIS_URL is set, else the durable
   * store under DATA_DIR.
   */
  storage?: Storage;
  /** Direct Line timings for tests: token lifetime (default 1800 s), keep-alive (30 s), unsent bytes a socket may hold (1 MiB). */
  directLine?: { tokenLifetimeSeconds?: number; keepAliveMs?: number; maxBufferedBytes?: number };
  /** The helpdesk console's feed for tests: its keep-alive (25 s), when each stream's sign-in is checked again. */
  helpdeskConsole?: { keepAliveMs?: number };
}

export interface App {
  server: Server;
  log: Logger;
  directLine: DirectLineChannel;
  teams: TeamsChannel;
  /** Present when Slack is configured. */
  slack?: SlackChannel;
  handoff: HandoffService;
  /** Feedback analytics: events, their flushes to the store, the report, the /metrics counters. */
  analytics: AnalyticsRecorder;
  /** The Direct Line secret in use (generated when not configured). */
  directLineSecret: string;
  /** The helpdesk API token in use (generated when not configured). */
  helpdeskApiToken: string;
  /** Sign-in to the helpdesk's pages: `helpdeskAuth.signedInAgent(req)` names the agent. */
  helpdeskAuth: HelpdeskAuth;
  /** Where generated secrets are kept across restarts (state on disk); absent: they last one run. */
  keptSecretsPath?: string;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** The composition root: knowledge, state, bot, channels and routes. No logic lives here. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const kb = loadKnowledge();
  // Conversation state, tickets and Direct Line conversations: in Redis when REDIS_URL is set (shared
  // by every instance, whose turns then also take a per-conversation lock there), else on disk under
  // DATA_DIR; opened by listen, closed by close. Unless the caller brings its own storage.
  const redis = !options.storage && config.REDIS_URL ? new RedisStorage(config.REDIS_URL, { prefix: config.REDIS_KEY_PREFIX, onError: (err) => log.warn({ err }, 'redis connection lost; reconnecting') }) : undefined;
  const durable = options.storage ? undefined : (redis ?? new LevelStorage(join(config.DATA_DIR, 'state')));
  const storage: Storage = options.storage ?? durable!;
  const turns = redis ? new SharedTurnQueue(redis) : undefined;
  // Secrets not configured: kept beside the state on disk, so tokens outlive a restart; generated per
  // run otherwise (several instances must be given the same ones anyway).
  const kept = durable && !redis ? new KeptSecrets(join(config.DATA_DIR, 'generated-secrets.json')) : undefined;
  const secret = (name: 'DIRECT_LINE_SECRET' | 'HELPDESK_API_TOKEN') => config[name] ?? kept?.get(name) ?? generateSecret();
  // Feedback analytics in the same store (batched, one record per process and day); /metrics and /api/analytics below.
  const analytics = new AnalyticsRecorder(storage, { now: options.now, timeZone: kb.contact.hours.timeZone, log });
  const assembled = createBot({ kb, storage, hours: hoursPolicy(kb.contact, config.HELPDESK_CLOSED_DATES), now: options.now, log, turns, analytics, handoffRetentionDays: config.HANDOFF_RETENTION_DAYS });
  const runtime: BotRuntime = { logic: (context) => assembled.bot.run(context), middleware: assembled.middleware, log };

  const server = restify.createServer({ name: 'careplan-helpdesk-bot', handleUncaughtExceptions: false });
  // First: every request gets an id (x-request-id), a child logger and one access log line.
  server.pre(requestContext(log));
  server.use(restify.plugins.queryParser({ mapParams: false }));

  const directLineSecret = secret('DIRECT_LINE_SECRET');
  const teams = new TeamsChannel(runtime, config, config.MAX_BODY_BYTES);
  // A Direct Line conversation pushed out of the store takes the bot's state of it along (ConversationState's key).
  const durableStore = durable ? new StorageDirectLineStore(durable, undefined, undefined, (id) => [`${DIRECT_LINE_CHANNEL_ID}/conversations/${id}/`]) : undefined;
  const directLineStore = durableStore ?? new MemoryDirectLineStore();
  const { tokenLifetimeSeconds, ...streaming } = options.directLine ?? {};
  const directLine = new DirectLineChannel(runtime, directLineStore, new TokenSigner(directLineSecret, tokenLifetimeSeconds), config.MAX_BODY_BYTES, `http://localhost:${config.PORT}`, streaming);
  const slackConfig = slackSettings(config);
  const slack = slackConfig ? new SlackChannel(runtime, slackConfig) : undefined;
  const channels: Channel[] = [teams, directLine, ...(slack ? [slack] : [])];
  for (const channel of [...channels, new WebChatPage(directLine, new Set(config.WEBCHAT_ALLOWED_ORIGINS))]) channel.mount(server);
  // After the channels' own pre handlers (Direct Line's CORS): body limits, per-address and per-conversation rate limits.
  const limits = installLimits(server, config, { log, clock: options.clock, slack: slack?.app });
  directLine.listenForStreams(server, { newSockets: limits.newSockets, trustedHops: config.TRUST_PROXY_HOPS });

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
  if (slack && config.HELPDESK_SLACK_CHANNEL) handoff.subscribe(new SlackHelpdesk(slack, config.HELPDESK_SLACK_CHANNEL, handoff));
  if (config.HELPDESK_TEAMS_CHANNEL_ID && config.HELPDESK_TEAMS_SERVICE_URL) {
    handoff.subscribe(new TeamsHelpdesk(teams, { channelId: config.HELPDESK_TEAMS_CHANNEL_ID, serviceUrl: config.HELPDESK_TEAMS_SERVICE_URL, tenantId: config.MicrosoftAppTenantId }, handoff));
  }
  const helpdeskApiToken = secret('HELPDESK_API_TOKEN');
  mountHelpdeskApi(server, handoff, helpdeskApiToken, config.MAX_BODY_BYTES, log);
  mountAnalytics(server, analytics, helpdeskApiToken, log);
  // The helpdesk's pages: sign-in first, then what needs it.
  const now = options.now ?? (() => new Date());
  const helpdeskAuth = new HelpdeskAuth({
    storage,
    oidc: oidcSettings(config),
    apiToken: helpdeskApiToken,
    tokenAgentName: config.HELPDESK_AGENT_NAME,
    sessionHours: config.HELPDESK_SESSION_HOURS,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    maxBodyBytes: config.MAX_BODY_BYTES,
    now,
    log,
  });
  helpdeskAuth.mount(server);
  // The agents' console at /helpdesk, live through the feed (shared between instances over Redis).
  const consoleFeed = new HelpdeskEventFeed(options.helpdeskConsole?.keepAliveMs);
  handoff.subscribe(consoleFeed);
  mountHelpdeskConsole(server, { auth: helpdeskAuth, service: handoff, feed: consoleFeed, log, now });
  new HelpdeskDashboard(helpdeskAuth, analytics, kb, now).mount(server);

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', entries: kb.entries.length });
  });
  server.on('restifyError', (req, _res, err, callback) => {
    // Bad JSON, too-large bodies and unknown routes are the client's; only log what is ours.
    if ((err as { statusCode?: number }).statusCode === undefined || (err as { statusCode: number }).statusCode >= 500) requestLog(req, log).error({ err, path: pathOf(req.url) }, 'request failed');
    return callback();
  });

  return {
    server,
    log,
    directLine,
    teams,
    slack,
    handoff,
    analytics,
    directLineSecret,
    helpdeskApiToken,
    helpdeskAuth,
    ...(kept ? { keptSecretsPath: kept.path } : {}),
    listen: async (port, host = '0.0.0.0') => {
      // A store that cannot be opened (another process holds DATA_DIR, Redis unreachable) stops the start here.
      await durable?.open();
      // Several instances on one Redis: each one's Direct Line sockets stream what the others append,
      // and last as long as a token refreshed through any of them.
      if (redis) {
        await durableStore?.shareAppends(redis);
        await directLine.streaming.shareRefreshes(redis);
        await consoleFeed.share(redis);
      }
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      });
    },
    close: async () => {
      // Resolves once the requests in flight (each holding its turn) have been answered, and every
      // connection has closed: the Direct Line sockets are closed for that (their clients reconnect).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await directLine.streaming.close();
      consoleFeed.close();
      await closed;
      // Then the turns that outlive their request (Slack's run after the ack) end, before the store closes.
      for (const channel of channels) await channel.close?.();
      await analytics.close();
      await durable?.close();
    },
  };
}

import type { App, HTTPReceiver, Logger as SlackLogger, LogLevel } from '@slack/bolt';
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { omitSlackPayloads, type Logger } from '../../logging';
import { outgoingPolicy, slackClientOptions } from '../../server/outgoing';
import { SLACK_ACTION_PREFIX, type SlackButtonValue } from '../../replies/render/blockKit';
import type { BotRuntime, Channel } from '../channel';
import { TURN_ERROR_TEXT } from '../channel';
import { SlackAdapter, type SlackConversation } from './slackAdapter';

export interface SlackSettings {
  SLACK_BOT_TOKEN: string;
  SLACK_SIGNING_SECRET?: string;
  /** Socket Mode instead of HTTP when set (xapp-…). */
  SLACK_APP_TOKEN?: string;
  /** Web API base URL, for tests and proxies. */
  SLACK_API_URL?: string;
  /** Web API calls: per-attempt timeout and retries (see src/server/outgoing.ts). */
  OUTGOING_TIMEOUT_MS?: number;
  OUTGOING_RETRIES?: number;
}

const EVENTS_PATH = '/slack/events';
/** How many handled messages are remembered for spotting retries. */
const REMEMBERED_EVENTS = 10_000;

/**
 * Slack through Bolt, in the same server: DMs (message.im), mentions (one conversation per thread)
 * and button clicks drive the same dialogs. Bolt checks the signature on the raw body and acks
 * within 3 s; the turn runs after the ack.
 */
export class SlackChannel implements Channel {
  readonly name = 'slack';
  readonly app: App;
  readonly adapter: SlackAdapter;
  private readonly receiver?: HTTPReceiver;
  private readonly handledEvents = new Set<string>();
  /** Events being handled: over HTTP their turns run after the ack, outside any request. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Mentions these say no to are not the bot's (e.g. in a helpdesk ticket thread, where agents talk to the user). */
  private readonly mentionFilters: Array<(channel: string, threadTs: string | undefined) => Promise<boolean>> = [];

  constructor(
    private readonly runtime: BotRuntime,
    private readonly settings: SlackSettings,
  ) {
    // Bolt is loaded only when Slack is configured: it adds a tenth of a second to every start.
    const bolt = require('@slack/bolt') as typeof import('@slack/bolt');
    const logger = slackLogger(runtime.log, bolt.LogLevel.INFO);
    const clientOptions = { ...(settings.SLACK_API_URL ? { slackApiUrl: settings.SLACK_API_URL } : {}), ...slackClientOptions(outgoingPolicy(settings)) };
    if (settings.SLACK_APP_TOKEN) {
      this.app = new bolt.App({ token: settings.SLACK_BOT_TOKEN, appToken: settings.SLACK_APP_TOKEN, socketMode: true, logger, clientOptions });
    } else {
      if (!settings.SLACK_SIGNING_SECRET) throw new Error('SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)');
      this.receiver = new bolt.HTTPReceiver({ signingSecret: settings.SLACK_SIGNING_SECRET, endpoints: EVENTS_PATH, processBeforeResponse: false, logger });
      this.app = new bolt.App({ token: settings.SLACK_BOT_TOKEN, receiver: this.receiver, logger, clientOptions });
    }
    this.adapter = new SlackAdapter(this.app.client);
    for (const m of runtime.middleware) this.adapter.use(m);
    this.adapter.onTurnError = async (context, error) => {
      runtime.log.error({ err: error, channel: 'slack', conversation: context.activity.conversation?.id }, 'turn failed');
      await context.sendActivity(TURN_ERROR_TEXT).catch(() => undefined);
    };
    this.listen();
  }

  get log(): Logger {
    return this.runtime.log;
  }

  /** Makes the bot ignore "@bot …" where `skip` says so (the helpdesk's ticket threads). */
  ignoreMentionsWhere(skip: (channel: string, threadTs: string | undefined) => Promise<boolean>): void {
    this.mentionFilters.push(skip);
  }

  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.adapter.continueConversation(reference, logic);
  }

  mount(server: Server): void {
    const receiver = this.receiver;
    if (!receiver) {
      void this.app.start().then(() => this.runtime.log.info('slack: connected in Socket Mode'));
      return;
    }
    // No body parser on this route: Bolt verifies the signature over the raw body.
    server.post(EVENTS_PATH, async (req: Request, res: Response) => {
      await new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
        receiver.requestListener(req, res);
      });
    });
  }

  /** Stops Socket Mode, then waits for the events being handled (their turns included). */
  async close(): Promise<void> {
    if (this.settings.SLACK_APP_TOKEN) await this.app.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private listen(): void {
    this.app.use(async ({ next }) => {
      const handled = next();
      this.inFlight.add(handled);
      try {
        await handled;
      } finally {
        this.inFlight.delete(handled);
      }
    });

    this.app.message(async ({ message, event, context }) => {
      if (message.subtype !== undefined || event.channel_type !== 'im' || !('user' in message) || !message.user) return;
      if (this.seen(`${message.channel}:${message.ts}`)) return;
      await this.turn({ team: context.teamId ?? '', channel: message.channel }, message.ts, message.user, withoutMentions(message.text));
    });

    this.app.event('app_mention', async ({ event, context }) => {
      if (!event.user) return;
      for (const skip of this.mentionFilters) if (await skip(event.channel, event.thread_ts)) return;
      if (this.seen(`${event.channel}:${event.ts}`)) return;
      await this.turn({ team: context.teamId ?? '', channel: event.channel, threadTs: event.thread_ts ?? event.ts }, event.ts, event.user, withoutMentions(event.text));
    });

    this.app.action(new RegExp(`^${SLACK_ACTION_PREFIX}\\d+$`), async ({ ack, body, action }) => {
      await ack();
      if (body.type !== 'block_actions' || action.type !== 'button' || !body.channel?.id) return;
      const value = parseButtonValue(action.value);
      if (!value) return;
      const message = body.message as { ts?: string; thread_ts?: string } | undefined;
      const inThread = body.channel.id.startsWith('C') || body.channel.id.startsWith('G');
      const conversation: SlackConversation = {
        team: body.team?.id ?? '',
        channel: body.channel.id,
        ...(inThread && (message?.thread_ts ?? message?.ts) ? { threadTs: message?.thread_ts ?? message?.ts } : {}),
      };
      await this.turn(conversation, body.trigger_id ?? '', body.user.id, value.choice, value);
    });
  }

  private async turn(conversation: SlackConversation, id: string, userId: string, text: string, value?: SlackButtonValue): Promise<void> {
    await this.adapter.receive(conversation, { id, text, userId, ...(value ? { value } : {}) }, this.runtime.logic);
  }

  /**
   * True when this message was already handled: Slack retries (x-slack-retry-num) an event it thinks
   * we missed, and a DM mention may arrive as both message and app_mention. Remembers it otherwise.
   */
  private seen(key: string): boolean {
    if (this.handledEvents.has(key)) return true;
    this.handledEvents.add(key);
    if (this.handledEvents.size > REMEMBERED_EVENTS) this.handledEvents.delete(this.handledEvents.values().next().value!);
    return false;
  }
}

/** "<@U123> 電子証明書のインストール" is "電子証明書のインストール": the bot's mention (in a DM too) is not part of the question. */
function withoutMentions(text: string | undefined): string {
  return (text ?? '').replace(/<@[A-Z0-9]+>/g, '').trim();
}

function parseButtonValue(raw: string | undefined): SlackButtonValue | undefined {
  try {
    const value = JSON.parse(raw ?? '') as Partial<SlackButtonValue>;
    return typeof value.choice === 'string' ? { choice: value.choice, ...(typeof value.promptId === 'string' ? { promptId: value.promptId } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/** Bolt logs through our structured logger. */
function slackLogger(log: Logger, initialLevel: LogLevel): SlackLogger {
  const child = log.child({ component: 'slack' });
  let level = initialLevel;
  return {
    // Payloads (message text) are cut from the Web API and Socket Mode debug lines.
    debug: (...msg: unknown[]) => child.debug(omitSlackPayloads(msg.map(String).join(' '))),
    info: (...msg: unknown[]) => child.info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child.error(msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

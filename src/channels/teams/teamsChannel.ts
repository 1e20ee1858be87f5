import { CloudAdapter, type Activity, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import { plugins, type Request, type Response, type Server } from 'restify';
import { BoundedBotFrameworkAuthentication, outgoingPolicy } from '../../server/outgoing';
import type { BotRuntime, Channel } from '../channel';
import { TURN_ERROR_TEXT } from '../channel';

export interface BotFrameworkSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppType?: string;
  MicrosoftAppTenantId?: string;
  /** Connector calls: per-attempt timeout and retries (see src/server/outgoing.ts). */
  OUTGOING_TIMEOUT_MS?: number;
  OUTGOING_RETRIES?: number;
}

/**
 * Activities that are not the users' but belong to another part of the app (the helpdesk's Teams
 * channel): they are given to `onTurn` after the middleware, instead of the bot logic.
 */
export interface TeamsRoute {
  owns(activity: Partial<Activity>): boolean;
  onTurn(context: TurnContext): Promise<void>;
}

/**
 * Teams and every Azure Bot Service channel: `POST /api/messages` through CloudAdapter, which checks
 * the Bot Framework token. Without an app id it runs in anonymous mode, which accepts anyone.
 */
export class TeamsChannel implements Channel {
  readonly name = 'teams';
  readonly adapter: CloudAdapter;
  private readonly routes: TeamsRoute[] = [];

  constructor(
    private readonly runtime: BotRuntime,
    private readonly settings: BotFrameworkSettings,
    private readonly maxBodyBytes: number,
  ) {
    const { OUTGOING_TIMEOUT_MS, OUTGOING_RETRIES, ...auth } = settings;
    this.adapter = new CloudAdapter(new BoundedBotFrameworkAuthentication({ ...auth }, outgoingPolicy({ OUTGOING_TIMEOUT_MS, OUTGOING_RETRIES }), runtime.log));
    for (const m of runtime.middleware) this.adapter.use(m);
    this.adapter.onTurnError = async (context, error) => {
      runtime.log.error({ err: error, channel: context.activity.channelId, conversation: context.activity.conversation?.id }, 'turn failed');
      await context.sendActivity(TURN_ERROR_TEXT).catch(() => undefined);
    };
    if (!settings.MicrosoftAppId) {
      runtime.log.warn('MicrosoftAppId is not set: /api/messages runs in ANONYMOUS mode and accepts requests from anyone. Use this for local testing only.');
    }
  }

  /** The bot's app id ('' in anonymous mode), as proactive calls need it. */
  get botAppId(): string {
    return this.settings.MicrosoftAppId ?? '';
  }

  get log() {
    return this.runtime.log;
  }

  /** Sends activities that `route.owns` to it instead of the user-facing bot. */
  addRoute(route: TeamsRoute): void {
    this.routes.push(route);
  }

  /**
   * Starts a conversation (in a Teams channel: a new thread whose root is `parameters.activity`) and
   * returns its id. Connector failures are thrown to the caller.
   */
  async createConversation(serviceUrl: string, parameters: ConversationParameters): Promise<string> {
    let conversationId: string | undefined;
    // The audience must be left out (null), so the connector uses the configured Bot Framework scope.
    await this.adapter.createConversationAsync(this.botAppId, 'msteams', serviceUrl, null as unknown as string, parameters, async (context) => {
      conversationId = context.activity.conversation?.id;
    });
    if (!conversationId) throw new Error('the connector created a conversation without an id');
    return conversationId;
  }

  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.adapter.continueConversationAsync(this.settings.MicrosoftAppId ?? '', reference, logic);
  }

  mount(server: Server): void {
    server.post(
      '/api/messages',
      plugins.bodyParser({ maxBodySize: this.maxBodyBytes, mapParams: false }),
      async (req: Request, res: Response) => {
        // CloudAdapter answers 500 for a JSON body that is not an activity; that is the client's error.
        const body = req.body as { type?: unknown } | undefined;
        if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.type !== 'string') {
          res.send(400, { error: { code: 'BadArgument', message: 'the body must be a Bot Framework activity' } });
          return;
        }
        await this.adapter.process(req, res, (context) => {
          const route = this.routes.find((r) => r.owns(context.activity));
          return route ? route.onTurn(context) : this.runtime.logic(context);
        });
      },
    );
  }
}

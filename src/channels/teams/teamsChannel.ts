import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { plugins, type Request, type Response, type Server } from 'restify';
import type { BotRuntime, Channel } from '../channel';
import { TURN_ERROR_TEXT } from '../channel';

export interface BotFrameworkSettings {
  MicrosoftAppId?: string;
  MicrosoftAppPassword?: string;
  MicrosoftAppType?: string;
  MicrosoftAppTenantId?: string;
}

/**
 * Teams and every Azure Bot Service channel: `POST /api/messages` through CloudAdapter, which checks
 * the Bot Framework token. Without an app id it runs in anonymous mode, which accepts anyone.
 */
export class TeamsChannel implements Channel {
  readonly name = 'teams';
  readonly adapter: CloudAdapter;

  constructor(
    private readonly runtime: BotRuntime,
    settings: BotFrameworkSettings,
    private readonly maxBodyBytes: number,
  ) {
    this.adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ ...settings }));
    for (const m of runtime.middleware) this.adapter.use(m);
    this.adapter.onTurnError = async (context, error) => {
      runtime.log.error({ err: error, channel: context.activity.channelId, conversation: context.activity.conversation?.id }, 'turn failed');
      await context.sendActivity(TURN_ERROR_TEXT).catch(() => undefined);
    };
    if (!settings.MicrosoftAppId) {
      runtime.log.warn('MicrosoftAppId is not set: /api/messages runs in ANONYMOUS mode and accepts requests from anyone. Use this for local testing only.');
    }
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
        await this.adapter.process(req, res, this.runtime.logic);
      },
    );
  }
}

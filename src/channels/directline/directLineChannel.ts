import { randomBytes } from 'node:crypto';
import { ActivityTypes, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { plugins, type Next, type Request, type Response, type Server } from 'restify';
import { z } from 'zod';
import type { BotRuntime, Channel } from '../channel';
import { TURN_ERROR_TEXT } from '../channel';
import type { DirectLineStore } from './conversationStore';
import { DirectLineAdapter } from './directLineAdapter';
import { DirectLineStreaming, type StreamingOptions, type StreamLimits } from './streaming';
import type { TokenSigner } from './tokens';

const BASE = '/v3/directline';

/** What clients may post: Web Chat sends more fields (channelData, entities, attachments), which pass through. */
const IncomingActivity = z.looseObject({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().optional(),
  from: z.looseObject({ id: z.string().min(1).max(256), name: z.string().max(256).optional() }).optional(),
  locale: z.string().max(32).optional(),
});

/** The request's ?watermark=N; undefined when absent or not a number (then everything is new). */
function watermarkOf(req: Request): number | undefined {
  const raw = (req.query as { watermark?: unknown } | undefined)?.watermark;
  return typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

type Access = { kind: 'secret' } | { kind: 'token'; conversationId: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Direct Line 3.0, self-hosted, for vendors who embed the stock Web Chat without Azure: tokens,
 * conversations, posting activities, and reading them by WebSocket (streaming.ts) or by polling.
 * Authorization is the shared secret or a token bound to one conversation.
 */
export class DirectLineChannel implements Channel {
  readonly name = 'directline';
  readonly adapter: DirectLineAdapter;
  readonly streaming: DirectLineStreaming;

  constructor(
    private readonly runtime: BotRuntime,
    private readonly store: DirectLineStore,
    private readonly tokens: TokenSigner,
    private readonly maxBodyBytes: number,
    serviceUrl: string,
    streaming: Omit<StreamingOptions, 'log'> = {},
  ) {
    this.adapter = new DirectLineAdapter(store, serviceUrl);
    this.streaming = new DirectLineStreaming(store, tokens, { ...streaming, log: runtime.log });
    for (const m of runtime.middleware) this.adapter.use(m);
    this.adapter.onTurnError = async (context, error) => {
      runtime.log.error({ err: error, channel: 'directline', conversation: context.activity.conversation?.id }, 'turn failed');
      await context.sendActivity(TURN_ERROR_TEXT).catch(() => undefined);
    };
  }

  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.adapter.continueConversation(reference, logic);
  }

  mount(server: Server): void {
    // Vendors' pages call these routes from their own origin with a bearer token (never cookies),
    // so any origin may; the preflight is answered before routing.
    server.pre((req: Request, res: Response, next: Next) => {
      if (!req.url?.startsWith(`${BASE}/`)) return next();
      res.header('access-control-allow-origin', '*');
      if (req.method !== 'OPTIONS') return next();
      res.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.header('access-control-allow-headers', 'authorization, content-type, x-ms-bot-agent');
      res.header('access-control-max-age', '600');
      res.send(204);
      return next(false);
    });
    const body = plugins.bodyParser({ maxBodySize: this.maxBodyBytes, mapParams: false });
    const route = (handler: (req: Request) => Promise<[number, unknown]>) => async (req: Request, res: Response) => {
      try {
        const [status, payload] = await handler(req);
        res.send(status, payload);
      } catch (err) {
        if (err instanceof HttpError) res.send(err.status, { error: { code: err.code, message: err.message } });
        else {
          this.runtime.log.error({ err }, 'direct line request failed');
          res.send(500, { error: { code: 'ServiceError', message: 'internal error' } });
        }
      }
    };
    server.post(`${BASE}/tokens/generate`, route(async (req) => [200, await this.generateToken(req)]));
    server.post(`${BASE}/tokens/refresh`, route(async (req) => [200, await this.refreshToken(req)]));
    server.post(`${BASE}/conversations`, route(async (req) => [201, await this.startConversation(req)]));
    server.get(`${BASE}/conversations/:conversationId`, route(async (req) => [200, await this.reconnect(req)]));
    server.post(`${BASE}/conversations/:conversationId/activities`, body, route(async (req) => [200, await this.postActivity(req)]));
    server.get(`${BASE}/conversations/:conversationId/activities`, route(async (req) => [200, await this.getActivities(req)]));
  }

  /** Opens conversations' WebSockets on the server's upgrade requests, which restify's handlers and limits never see. */
  listenForStreams(server: Server, limits: StreamLimits): void {
    this.streaming.listen(server.server, limits);
  }

  /** A token for a new conversation; what a vendor's backend (or our page's token endpoint) hands to Web Chat. */
  async newConversationToken() {
    const conversationId = randomBytes(16).toString('base64url');
    await this.store.create(conversationId);
    return { conversationId, ...this.tokens.issue(conversationId) };
  }

  private async generateToken(req: Request) {
    if (this.authorize(req).kind !== 'secret') throw new HttpError(403, 'Forbidden', 'generating a token requires the secret');
    return this.newConversationToken();
  }

  private async refreshToken(req: Request) {
    const access = this.authorize(req);
    if (access.kind !== 'token') throw new HttpError(403, 'Forbidden', 'refresh takes a token, not the secret');
    const issued = this.tokens.issue(access.conversationId);
    // The conversation's open sockets now last as long as the new token.
    this.streaming.extend(access.conversationId, this.tokens.verify(issued.token)!.e);
    return { conversationId: access.conversationId, ...issued };
  }

  private async startConversation(req: Request) {
    const access = this.authorize(req);
    const { conversationId } = access.kind === 'token' ? access : await this.newConversationToken();
    const conversation = (await this.store.get(conversationId)) ?? (await this.store.create(conversationId));
    if (!conversation.started) {
      await this.store.markStarted(conversationId);
      await this.adapter.receive(conversationId, { type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: 'user', name: 'user' }], from: { id: 'user', name: 'user' } }, this.runtime.logic);
    }
    return { conversationId, ...this.tokens.issue(conversationId), streamUrl: this.streaming.streamUrl(req, conversationId) };
  }

  /** A new token and streamUrl for a client that lost its socket; the stream resumes after its watermark. */
  private async reconnect(req: Request) {
    const conversationId = await this.conversationOf(req);
    return { conversationId, ...this.tokens.issue(conversationId), streamUrl: this.streaming.streamUrl(req, conversationId, watermarkOf(req)) };
  }

  private async postActivity(req: Request) {
    const conversationId = await this.conversationOf(req);
    const parsed = IncomingActivity.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, 'BadArgument', `not a valid activity: ${parsed.error.issues[0]?.path.join('.') || 'body'} ${parsed.error.issues[0]?.message ?? ''}`.trim());
    const from = { id: parsed.data.from?.id ?? 'user', name: parsed.data.from?.name ?? '' };
    const id = await this.adapter.receive(conversationId, { ...(parsed.data as Partial<Activity>), from }, this.runtime.logic);
    return { id };
  }

  private async getActivities(req: Request) {
    const conversationId = await this.conversationOf(req);
    const { activities, watermark: last } = await this.store.since(conversationId, watermarkOf(req) ?? -1);
    return { activities, watermark: String(last) };
  }

  /** The conversation in the URL, after checking the caller may use it. */
  private async conversationOf(req: Request): Promise<string> {
    const conversationId = String((req.params as { conversationId?: unknown }).conversationId ?? '');
    const access = this.authorize(req);
    if (access.kind === 'token' && access.conversationId !== conversationId) throw new HttpError(403, 'Forbidden', 'this token belongs to another conversation');
    if (!(await this.store.get(conversationId))) throw new HttpError(404, 'NotFound', 'no such conversation');
    return conversationId;
  }

  private authorize(req: Request): Access {
    const header = req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!bearer) throw new HttpError(401, 'Unauthorized', 'Authorization: Bearer <secret or token> is required');
    if (this.tokens.isSecret(bearer)) return { kind: 'secret' };
    const claims = this.tokens.verify(bearer);
    if (!claims) throw new HttpError(401, 'Unauthorized', 'the secret or token is not valid, or has expired');
    return { kind: 'token', conversationId: claims.c };
  }
}

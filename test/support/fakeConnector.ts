import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One request the bot made to the connector. */
export interface ConnectorCall {
  method: string;
  url: string;
  conversationId: string;
  /** The activity replied to, when the bot used the reply route (POST), or the activity updated (PUT). */
  replyToId?: string;
  /** For POST /v3/conversations (a new conversation, e.g. a thread in a Teams channel): what was created. */
  created?: { id: string; activityId: string };
  authorization?: string;
  body: Record<string, unknown>;
}

/**
 * A local stand-in for the Bot Framework connector service (the `serviceUrl` of an activity):
 * it records every activity the bot sends and answers `{ id }` as the real service does.
 * `POST /v3/conversations` (a new conversation; in a Teams channel, a new thread) is answered with
 * `{ id: "<channel id>;messageid=<n>", activityId: "<n>" }` and recorded with `conversationId` = that
 * id and `body` = the ConversationParameters; `PUT …/activities/{id}` (an update) is recorded too.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  private readonly server: Server;
  private waiters: Array<() => void> = [];
  private nextId = 1;
  url = '';
  /**
   * Optional: answers a call with another status (e.g. `[400, {...}]` to act like Teams refusing an
   * activity, `[403, {...}]` for a bot that is not in the team); undefined answers normally. The call
   * is recorded either way.
   */
  respond?: (call: ConnectorCall) => [number, unknown] | undefined;
  /** Optional: told of every call as it arrives (the bench times replies with it). */
  onCall?: (call: ConnectorCall) => void;

  /** `keepCalls: false` keeps no `calls` (a long bench would hold every reply); `onCall` still hears them. */
  constructor(private readonly options: { keepCalls?: boolean } = {}) {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ([status, payload]) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        },
        () => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{}');
        },
      );
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Calls since the given count, for one conversation (or all). */
  since(start: number, conversationId?: string): ConnectorCall[] {
    return this.calls.slice(start).filter((c) => conversationId === undefined || c.conversationId === conversationId);
  }

  /** Waits until at least `count` calls have arrived in total, or fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the connector received ${this.calls.length} calls, expected ${count}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://connector');
    const create = req.method === 'POST' && /^\/v3\/conversations\/?$/.test(url.pathname);
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/.exec(url.pathname);
    const update = req.method === 'PUT' && match?.[2] !== undefined;
    if (!create && !update && (req.method !== 'POST' || !match)) return [404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } }];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return [400, { error: { code: 'BadArgument', message: 'not JSON' } }];
    }
    let created: ConnectorCall['created'];
    if (create) {
      const channel = (body.channelData as { channel?: { id?: unknown } } | undefined)?.channel?.id;
      const activityId = String(this.nextId++);
      created = { id: typeof channel === 'string' ? `${channel};messageid=${activityId}` : `conversation-${activityId}`, activityId };
    }
    const call: ConnectorCall = {
      method: req.method ?? '',
      url: url.pathname,
      conversationId: created ? created.id : decodeURIComponent(match![1]!),
      replyToId: match?.[2] === undefined ? undefined : decodeURIComponent(match[2]),
      authorization: req.headers.authorization,
      body,
      ...(created ? { created } : {}),
    };
    if (this.options.keepCalls !== false) this.calls.push(call);
    this.onCall?.(call);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    const override = this.respond?.(call);
    if (override) return override;
    if (created) return [200, created];
    if (update) return [200, { id: match![2] }];
    return [200, { id: `reply-${this.nextId++}` }];
  }
}

export const TEAMS_BOT = { id: '28:bot-app-id', name: 'ヘルプデスクbot' };
export const TEAMS_USER = { id: '29:user-aad-id', name: '介護 太郎' };

/** A Bot Framework activity as the Teams channel posts it to /api/messages, replies going to `connector`. */
export function teamsActivity(connector: { url: string }, conversationId: string, fields: Record<string, unknown>) {
  return {
    channelId: 'msteams',
    serviceUrl: connector.url,
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
    from: TEAMS_USER,
    recipient: TEAMS_BOT,
    id: `act-${randomUUID()}`,
    timestamp: new Date().toISOString(),
    locale: 'ja-JP',
    channelData: { tenant: { id: 'tenant-1' } },
    ...fields,
  };
}

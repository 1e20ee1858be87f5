import { createServer, type IncomingMessage, type Server } from 'node:http';
import { parse as parseQuery } from 'node:querystring';

/** The fake workspace and bot, as auth.test reports them. */
export const FAKE_TEAM_ID = 'T0HELPDESK';
export const FAKE_BOT_USER_ID = 'U0HELPBOT';
export const FAKE_BOT_ID = 'B0HELPBOT';

/** One Web API call the bot made. */
export interface SlackApiCall {
  /** The Web API method, from the URL path: "chat.postMessage". */
  method: string;
  /** The parameters, from a form-encoded or JSON body; `blocks` (and `attachments`) parsed from their JSON. */
  params: Record<string, any>;
  /** The body exactly as sent, for "never sent anywhere" checks. */
  rawBody: string;
  authorization?: string;
  /** performance.now() when the request arrived, and when the fake's answer had been sent (not set when the caller hung up first). */
  receivedAt: number;
  respondedAt?: number;
  /** The ts the fake gave a posted message. */
  ts?: string;
}

/** A block of a Block Kit message, loosely typed for reading. */
export interface SlackBlock {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<{ type: string; text?: any; action_id?: string; value?: string }>;
}

/** A chat.postMessage the bot made: what a Slack user sees. */
export interface PostedMessage {
  channel: string;
  thread_ts?: string;
  /** The plain-text fallback (notifications, screen readers). */
  text: string;
  blocks: SlackBlock[];
  /** The ts the fake answered: the message's id, used as container.message_ts of a click. */
  ts: string;
}

/**
 * A local stand-in for the Slack Web API (https://slack.com/api/…): it records every call and answers
 * as Slack does ({ ok: true, … }). Bolt calls auth.test when the app starts and chat.postMessage for
 * every reply. Point SLACK_API_URL at `url` (it ends in "/api/", as the WebClient expects).
 */
export class FakeSlackApi {
  readonly calls: SlackApiCall[] = [];
  /** Delay before answering chat.postMessage, to show the HTTP ack does not wait for the bot. */
  postMessageDelayMs = 0;
  private server?: Server;
  private nextTs = 1_800_000_000;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        async ({ status, body, delayMs, call }) => {
          if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
          res.once('finish', () => (call.respondedAt = performance.now()));
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(body));
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/api/`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every call of one Web API method. */
  callsOf(method: string): SlackApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Every chat.postMessage so far, as the user sees them. */
  posts(): PostedMessage[] {
    return this.callsOf('chat.postMessage').map(toPosted);
  }

  /** Forgets the calls so far (the app keeps running). */
  reset(): void {
    this.calls.length = 0;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; delayMs?: number; call: SlackApiCall }> {
    const rawBody = await readBody(req);
    const method = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^.*\/api\//, ''));
    const call: SlackApiCall = {
      method,
      params: parseParams(rawBody, req.headers['content-type']),
      rawBody,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      receivedAt: performance.now(),
    };
    this.calls.push(call);
    const answered = (body: unknown, delayMs = 0) => ({ status: 200, body, delayMs, call });
    switch (method) {
      case 'auth.test':
        return answered({
          ok: true,
          url: 'https://helpdesk-test.slack.com/',
          team: 'Helpdesk Test',
          user: 'helpdesk-bot',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          is_enterprise_install: false,
        });
      case 'chat.postMessage': {
        call.ts = `${this.nextTs++}.000100`;
        const { channel, text, blocks, thread_ts } = call.params;
        return answered(
          {
            ok: true,
            channel,
            ts: call.ts,
            message: { type: 'message', user: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID, text, blocks, ts: call.ts, ...(thread_ts ? { thread_ts } : {}) },
          },
          this.postMessageDelayMs,
        );
      }
      default:
        return answered({ ok: true });
    }
  }
}

function toPosted(call: SlackApiCall): PostedMessage {
  const { channel, thread_ts, text, blocks } = call.params;
  return {
    channel: String(channel),
    ...(thread_ts !== undefined ? { thread_ts: String(thread_ts) } : {}),
    text: typeof text === 'string' ? text : '',
    blocks: Array.isArray(blocks) ? (blocks as SlackBlock[]) : [],
    ts: call.ts ?? '',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The WebClient sends form-encoded bodies (JSON-encoding nested values); some clients send JSON. */
function parseParams(rawBody: string, contentType: string | undefined): Record<string, any> {
  if (!rawBody) return {};
  const params: Record<string, any> = contentType?.includes('application/json')
    ? (JSON.parse(rawBody) as Record<string, any>)
    : Object.fromEntries(Object.entries(parseQuery(rawBody)).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
  for (const key of ['blocks', 'attachments', 'metadata']) {
    if (typeof params[key] === 'string') {
      try {
        params[key] = JSON.parse(params[key] as string);
      } catch {
        // left as sent
      }
    }
  }
  return params;
}

// ---- reading a posted message as a Slack user sees it ----

/** A button of a message: what the user reads, and what a click sends back. */
export interface SlackButton {
  label: string;
  action_id: string;
  block_id?: string;
  value: string;
}

/** The mrkdwn of every section block (fields included), in order. */
export function sectionTexts(post: PostedMessage): string[] {
  return post.blocks
    .filter((b) => b.type === 'section')
    .flatMap((b) => [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)]);
}

/** The text of every context block element (the 出典 line). */
export function contextTexts(post: PostedMessage): string[] {
  return post.blocks.filter((b) => b.type === 'context').flatMap((b) => (b.elements ?? []).map((e) => String(e.text ?? '')));
}

/** The buttons of every actions block, in order. */
export function buttonsOf(post: PostedMessage): SlackButton[] {
  return post.blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) =>
      (b.elements ?? [])
        .filter((e) => e.type === 'button')
        .map((e) => ({ label: String(e.text?.text ?? ''), action_id: String(e.action_id), ...(b.block_id ? { block_id: b.block_id } : {}), value: String(e.value) })),
    );
}

/** Everything readable in the blocks, one block per line. */
export function visibleText(post: PostedMessage): string {
  return [...sectionTexts(post), ...contextTexts(post), ...buttonsOf(post).map((b) => `[${b.label}]`)].join('\n');
}

/** Slack mrkdwn escaping, as the bot must apply it to text it puts in blocks. */
export const mrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

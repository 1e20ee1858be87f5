// The users of `npm run bench`: one HTTP client that walks typed conversations through a server, by
// Bot Framework's /api/messages (replies taken by a local fake connector) or by Direct Line with its
// WebSocket stream (replies read off the socket), and times each turn from the request to its replies.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { load } from 'js-yaml';
import { WebSocket } from 'ws';
import { TURN_ERROR_TEXT } from '../src/channels/channel';
import { loadKnowledge } from '../src/knowledge/loader';
import { TEAMS_BOT, TEAMS_USER, teamsActivity, type FakeConnector } from '../test/support/fakeConnector';

const ROOT = resolve(__dirname, '..');
const REQUEST_TIMEOUT_MS = 30_000;
/** A turn whose reply has not arrived by then has failed. */
const REPLY_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// The conversations: the development conversation sets' whole chats, as their authors typed them.

export interface Script {
  /** The user's messages: an opening, then answers to the bot's questions, up to the guide entry. */
  turns: string[];
  /** Titles of the entries the chat should end on (any one of them). */
  expect: string[];
}

/** Every conversation of test/data/conversations-*.yaml (the development sets, which `npm test` plays too). */
export function loadScripts(): Script[] {
  const kb = loadKnowledge();
  const files = readdirSync(join(ROOT, 'test/data')).filter((file) => /^conversations-.*\.yaml$/.test(file)).sort();
  return files.flatMap((file) => {
    const set = load(readFileSync(join(ROOT, 'test/data', file), 'utf8')) as { conversations: Array<{ turns: string[]; expect: string | string[] }> };
    return set.conversations.map((c) => ({ turns: c.turns, expect: [c.expect].flat().map((id) => kb.byId.get(id)?.title ?? id) }));
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP: keep-alive sockets shared by every simulated user.

// A socket left idle is dropped after 4 s, before the server's 5 s keep-alive timeout can close it
// under a request being sent (ECONNRESET).
export const IDLE_SOCKET_MS = 4000;
export const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: IDLE_SOCKET_MS });

export interface HttpResult {
  status: number;
  body: string;
}

/**
 * One request to 127.0.0.1, on `agent` (the shared one unless given; false: a connection of its own). A
 * GET whose kept-alive connection the server closed just as it was sent (its idle timeout, run late
 * by a busy loop) is sent again, as browsers do; anything else is the answer.
 */
export function request(port: number, method: 'GET' | 'POST', path: string, options: { json?: unknown; bearer?: string; agent?: http.Agent | false; timeoutMs?: number } = {}, retried = false): Promise<HttpResult> {
  return new Promise((done, fail) => {
    const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: http.OutgoingHttpHeaders = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: options.agent ?? agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const closedWhileIdle = req.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
      if (closedWhileIdle && method === 'GET' && !retried) request(port, method, path, options, true).then(done, fail);
      else fail(err);
    });
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------
// Turns and chats

/** One typed message and the bot's answer to it. */
export interface Turn {
  /** performance.now() when the request was sent. */
  sentAt: number;
  /** When each reply to it arrived (at the connector, or on the socket). */
  repliesAt: number[];
  /** Why the turn failed (a status, no reply, the bot's error reply); undefined when it did not. */
  failed?: string;
}

/** Request to the turn's last reply, in ms; undefined when nothing arrived. */
export const turnLatency = (turn: Turn): number | undefined => (turn.repliesAt.length ? Math.max(...turn.repliesAt) - turn.sentAt : undefined);

/** One user's conversation. */
export interface Chat {
  /** Sends a typed message; resolves once its first reply has arrived (a user types on after reading it), or it failed. */
  say(text: string): Promise<Turn>;
  /** Everything the bot said in this chat, as one string (to look for an entry's title). */
  readonly said: string;
  close(): void;
}

/** A way into a server: starts a user's conversation (the welcome shown), ready for `say`. */
export interface ChatClient {
  start(user: number): Promise<Chat>;
}

/** A Direct Line chat, which can also be polled. */
export interface DirectLineChat extends Chat {
  readonly conversationId: string;
  readonly token: string;
  /** The server's keep-alives read off the socket: pings (each answered by ws), and empty messages when it was idle. */
  readonly keepAlives: number;
}

/** A turn's replies, awaited by `say` and counted as they arrive. */
class ReplyWaiter {
  private wake?: () => void;

  constructor(readonly turn: Turn) {}

  arrived(at: number, body: string): void {
    this.turn.repliesAt.push(at);
    if (body.includes(TURN_ERROR_TEXT)) this.turn.failed ??= 'the bot sent its error reply';
    this.wake?.();
  }

  /** Resolves at the first reply, or after the timeout (then the turn has failed). */
  async first(): Promise<void> {
    if (this.turn.repliesAt.length > 0) return;
    await new Promise<void>((done) => {
      const timer = setTimeout(done, REPLY_TIMEOUT_MS);
      this.wake = () => {
        clearTimeout(timer);
        done();
      };
    });
    if (this.turn.repliesAt.length === 0) this.turn.failed ??= `no reply within ${REPLY_TIMEOUT_MS} ms`;
  }
}

/**
 * Bot Framework, as Teams posts: a conversationUpdate, then message activities, to /api/messages;
 * the bot's replies reach `connector` (the activities' serviceUrl), each a reply to the message it
 * answers (POST /v3/conversations/{id}/activities/{replyToId}). Both CloudAdapter bots answer the
 * POST once the turn is done, so every reply has arrived by then.
 */
export class BotFrameworkClient implements ChatClient {
  /** Turns waiting for replies, by the activity id they reply to. */
  private readonly waiting = new Map<string, { waiter: ReplyWaiter; chat: { said: string } }>();

  constructor(
    private readonly port: number,
    private readonly connector: FakeConnector,
  ) {
    // Several clients may share the connector: each takes the replies to its own activities.
    const previous = connector.onCall;
    connector.onCall = (call) => {
      previous?.(call);
      const entry = call.replyToId === undefined ? undefined : this.waiting.get(call.replyToId);
      if (!entry) return;
      const body = JSON.stringify(call.body);
      entry.chat.said += body;
      entry.waiter.arrived(performance.now(), body);
    };
  }

  async start(user: number): Promise<Chat> {
    const conversationId = `a:bench-${randomUUID()}`;
    const from = { ...TEAMS_USER, id: `29:bench-user-${user}` };
    const post = async (fields: Record<string, unknown>): Promise<Turn> => {
      const activity = teamsActivity(this.connector, conversationId, { from, ...fields });
      const turn: Turn = { sentAt: performance.now(), repliesAt: [] };
      const waiter = new ReplyWaiter(turn);
      this.waiting.set(activity.id, { waiter, chat });
      try {
        const res = await request(this.port, 'POST', '/api/messages', { json: activity });
        if (res.status !== 200) turn.failed ??= `status ${res.status}: ${res.body.slice(0, 200)}`;
        else await waiter.first();
      } catch (err) {
        turn.failed ??= (err as Error).message;
      } finally {
        this.waiting.delete(activity.id);
      }
      return turn;
    };
    const chat = {
      said: '',
      say: (text: string) => post({ type: 'message', text }),
      close: () => undefined,
    };
    const welcome = await post({ type: 'conversationUpdate', membersAdded: [TEAMS_BOT, from] });
    if (welcome.failed) throw new Error(`conversationUpdate: ${welcome.failed}`);
    return chat;
  }
}

interface StreamFrame {
  activities?: Array<{ from?: { id?: string }; replyToId?: string }>;
}

/**
 * Direct Line as Web Chat streams: POST /conversations with the secret (the bot's welcome turn runs),
 * the streamUrl's WebSocket opened and the welcome read off it, then each message POSTed to
 * …/activities with the conversation's token; its replies are the socket's activities whose
 * replyToId is the id the POST answered. A reply may come before that answer; it is kept until then.
 */
export class DirectLineStreamClient implements ChatClient {
  constructor(
    private readonly port: number,
    private readonly secret: string,
  ) {}

  async start(user: number): Promise<DirectLineChat> {
    const started = await request(this.port, 'POST', '/v3/directline/conversations', { bearer: this.secret });
    if (started.status !== 201) throw new Error(`POST /conversations: status ${started.status} ${started.body.slice(0, 200)}`);
    const { conversationId, token, streamUrl } = JSON.parse(started.body) as { conversationId: string; token: string; streamUrl: string };
    const from = { id: `bench-user-${user}`, name: `bench-user-${user}` };
    const early = new Map<string, Array<[number, string]>>();
    /** Every turn of the chat by its activity id, so that a reply after the next message still counts. */
    const turns = new Map<string, ReplyWaiter>();
    let welcomed: () => void = () => undefined;
    const welcome = new Promise<void>((done) => (welcomed = done));
    const ws = new WebSocket(streamUrl, { perMessageDeflate: false });
    const chat = {
      conversationId,
      token,
      keepAlives: 0,
      said: '',
      say: async (text: string): Promise<Turn> => {
        const turn: Turn = { sentAt: performance.now(), repliesAt: [] };
        try {
          const path = `/v3/directline/conversations/${encodeURIComponent(conversationId)}/activities`;
          const res = await request(this.port, 'POST', path, { bearer: token, json: { type: 'message', from, text, locale: 'ja-JP' } });
          if (res.status !== 200) {
            turn.failed = `status ${res.status}: ${res.body.slice(0, 200)}`;
            return turn;
          }
          const { id } = JSON.parse(res.body) as { id: string };
          const waiter = new ReplyWaiter(turn);
          for (const [at, body] of early.get(id) ?? []) waiter.arrived(at, body);
          early.delete(id);
          turns.set(id, waiter);
          await waiter.first();
        } catch (err) {
          turn.failed ??= (err as Error).message;
        }
        return turn;
      },
      close: () => ws.close(),
    };
    ws.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (text === '') {
        chat.keepAlives++;
        return;
      }
      for (const activity of (JSON.parse(text) as StreamFrame).activities ?? []) {
        if (activity.from?.id === from.id) continue;
        const body = JSON.stringify(activity);
        chat.said += body;
        const replyTo = activity.replyToId;
        if (replyTo === undefined) welcomed();
        else if (turns.has(replyTo)) turns.get(replyTo)!.arrived(at, body);
        else early.set(replyTo, [...(early.get(replyTo) ?? []), [at, body]]);
      }
    });
    ws.on('ping', () => chat.keepAlives++);
    ws.on('error', () => undefined);
    const opened = await Promise.race([welcome.then(() => true), new Promise<boolean>((done) => setTimeout(() => done(false), REPLY_TIMEOUT_MS))]);
    if (!opened) {
      ws.terminate();
      throw new Error(`no welcome on the stream of ${conversationId} within ${REPLY_TIMEOUT_MS} ms`);
    }
    return chat;
  }
}

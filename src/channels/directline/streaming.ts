import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../logging';
import { pathOf } from '../../server/requestContext';
import { clientAddress, type RateLimiter } from '../../server/rateLimit';
import type { PubSub } from '../../storage/redisStorage';
import type { Appended, DirectLineStore } from './conversationStore';
import type { TokenSigner } from './tokens';

/** The route of a conversation's stream, as access log lines name it. */
export const STREAM_ROUTE = '/v3/directline/conversations/:conversationId/stream';
const STREAM_PATH = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,128})\/stream$/;

export interface StreamingOptions {
  log: Logger;
  /**
   * How often every socket is pinged (one left unanswered: the peer is gone), an idle one gets an
   * empty message, and each reads the store once more, in ms.
   */
  keepAliveMs?: number;
  /** A socket with more than this many bytes not yet sent is closed: its client does not read. */
  maxBufferedBytes?: number;
  /** Open sockets one conversation may have (tabs of one chat, a reconnect before the old socket is found dead). */
  maxSocketsPerConversation?: number;
}

/** What the upgrade is checked against: new sockets per client address, counted like new chats. */
export interface StreamLimits {
  newSockets: RateLimiter;
  /** Reverse proxies in front (TRUST_PROXY_HOPS), to find the client's address. */
  trustedHops: number;
}

export interface StreamingStats {
  /** Sockets open now. */
  sockets: number;
  /** Conversations with at least one open socket. */
  conversations: number;
  /** Timers held: one expiry per socket, and the keep-alive while any socket is open. */
  timers: number;
}

/** One open socket: the conversation it streams and the watermark of what it was last sent. */
interface Stream {
  ws: WebSocket;
  conversationId: string;
  watermark: number;
  /** When the socket closes, ms since the epoch (the token's expiry; later when the token is refreshed). */
  until: number;
  expiry: NodeJS.Timeout | undefined;
  /** A pong (or the open) since the last ping. */
  alive: boolean;
  /** Something was sent since the last keep-alive tick. */
  busy: boolean;
  /** A read of the store is under way; `again`: another append came meanwhile. */
  pumping: boolean;
  again: boolean;
}

/** Direct Line clients send nothing but empty keep-alives over the socket; anything over this is cut off (1009). */
const MAX_PAYLOAD_BYTES = 1024;
/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Upgrades checked and opened in one turn of the event loop. Each takes about half a millisecond
 * (the token's HMAC, a store read, the handshake, the first read of the conversation); 10,000
 * arriving at once, taken in one go, kept every other request and timer waiting for seconds.
 */
const UPGRADES_PER_TURN = 32;
/** Where token refreshes are announced to the other instances on one Redis. */
const REFRESHED_CHANNEL = 'directline:refreshed';

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Direct Line 3.0 streaming, as Azure's: a conversation's streamUrl opens a WebSocket that carries
 * `{"activities":[…],"watermark":"N"}` for everything appended to the conversation (the user's own
 * activities too), starting after the watermark in the URL. The store is the one source: each
 * socket reads it with its own watermark when told of an append, as a polling client would, so a
 * reconnect with the last watermark it was sent misses nothing and repeats nothing; a socket that
 * was sent everything before an append of this process is sent what that append stored, without
 * reading it back.
 *
 * The socket is opened with a short-lived stream token (the streamUrl's `t`), checked before the
 * upgrade; it closes when the conversation's token expires, unless that token is refreshed. Idle
 * sockets get an empty message so proxies keep them; a socket that sends anything but that, stops
 * answering pings, or stops reading is closed; none of that touches other conversations.
 *
 * Several instances on one Redis: the store hears the others' appends, refreshes are announced to
 * them (shareRefreshes), and every socket reads the store again at each keep-alive, in case an
 * announcement was lost.
 */
export class DirectLineStreaming {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES, perMessageDeflate: false, clientTracking: false });
  private readonly byConversation = new Map<string, Set<Stream>>();
  private readonly keepAliveMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxSocketsPerConversation: number;
  private readonly log: Logger;
  private readonly stopListening: () => void;
  private keepAlive: NodeJS.Timeout | undefined;
  private closing = false;
  /** Upgrade requests not yet taken, oldest first (from `waitingFrom` on), and whether a turn is set to take them. */
  private waiting: Array<() => void> = [];
  private waitingFrom = 0;
  private draining = false;
  /** Other instances on one Redis, told of token refreshes; this one's id, so that it skips its own. */
  private bus?: PubSub;
  private readonly instance = randomBytes(6).toString('base64url');

  constructor(
    private readonly store: DirectLineStore,
    private readonly tokens: TokenSigner,
    options: StreamingOptions,
  ) {
    this.log = options.log;
    this.keepAliveMs = options.keepAliveMs ?? 30_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.maxSocketsPerConversation = options.maxSocketsPerConversation ?? 8;
    this.stopListening = store.onAppended((conversationId, appended) => {
      for (const stream of this.byConversation.get(conversationId) ?? []) {
        // A socket that has been sent everything before this append gets what it stored, as the
        // store would give it on reading: it need not read back what was just written.
        if (appended && !stream.pumping && stream.watermark === appended.after) this.sendAppended(stream, appended);
        else void this.pump(stream);
      }
    });
  }

  /**
   * The streamUrl of a conversation for the client that made `req`: ws:// or wss:// as it reached us
   * (X-Forwarded-Proto behind a proxy), to the host it asked for, with a new stream token.
   */
  streamUrl(req: IncomingMessage, conversationId: string, watermark?: number): string {
    const query = new URLSearchParams({ watermark: watermark === undefined ? '-' : String(watermark), t: this.tokens.issueStream(conversationId) });
    return `${streamOrigin(req)}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?${query}`;
  }

  /** Takes the HTTP server's upgrade requests (restify leaves them alone). */
  listen(server: HttpServer, limits: StreamLimits): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head, limits));
  }

  /** The conversation's token was refreshed: its sockets stay open until the new one expires (seconds since the epoch), on every instance. */
  extend(conversationId: string, untilSeconds: number): void {
    this.extendHere(conversationId, untilSeconds);
    // A lost message only means a socket elsewhere closes at the old expiry; Web Chat then reconnects with the new token.
    this.bus?.publish(REFRESHED_CHANNEL, `${this.instance} ${conversationId} ${untilSeconds}`).catch(() => undefined);
  }

  /** Instances on one Redis: a refresh served by one keeps the conversation's sockets open on all of them. */
  async shareRefreshes(bus: PubSub): Promise<void> {
    await bus.subscribe(REFRESHED_CHANNEL, (message) => {
      const [from, conversationId, until] = message.split(' ');
      if (from !== this.instance && conversationId && Number.isInteger(Number(until))) this.extendHere(conversationId, Number(until));
    });
    this.bus = bus;
  }

  stats(): StreamingStats {
    let sockets = 0;
    let timers = this.keepAlive ? 1 : 0;
    for (const streams of this.byConversation.values()) {
      sockets += streams.size;
      for (const stream of streams) if (stream.expiry) timers++;
    }
    return { sockets, conversations: this.byConversation.size, timers };
  }

  /** Closes every socket (1001: clients reconnect, to another instance) and refuses new ones. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopListening();
    const streams = [...this.byConversation.values()].flatMap((set) => [...set]);
    const closed = Promise.all(streams.map((stream) => new Promise<void>((resolve) => (stream.ws.readyState === WebSocket.CLOSED ? resolve() : stream.ws.once('close', () => resolve())))));
    for (const stream of streams) stream.ws.close(1001, 'server shutting down');
    // A client that does not answer the close would hold the server's shutdown: it gets a second.
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([closed, grace]);
    for (const stream of streams) stream.ws.terminate();
    await closed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, limits: StreamLimits): void {
    const started = process.hrtime.bigint();
    // A client that resets the connection before the handshake is done must not crash the process.
    const ignore = () => undefined;
    socket.on('error', ignore);
    this.waiting.push(() => this.take(req, socket, head, limits, started, ignore));
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /**
   * Takes the waiting upgrades a few per turn of the event loop, so that a crowd of them (every tab
   * reconnecting after a restart) shares the server with the requests and timers of everyone else.
   */
  private drain(): void {
    const until = Math.min(this.waiting.length, this.waitingFrom + UPGRADES_PER_TURN);
    for (; this.waitingFrom < until; this.waitingFrom++) this.waiting[this.waitingFrom]!();
    if (this.waitingFrom < this.waiting.length) {
      setImmediate(() => this.drain());
      return;
    }
    this.waiting = [];
    this.waitingFrom = 0;
    this.draining = false;
  }

  private take(req: IncomingMessage, socket: Duplex, head: Buffer, limits: StreamLimits, started: bigint, ignore: () => void): void {
    const logLine = (status: number, extra: Record<string, unknown> = {}) =>
      this.log.info({ method: req.method, ...(STREAM_PATH.test(pathOf(req.url)) ? { route: STREAM_ROUTE } : { path: pathOf(req.url) }), status, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100, ...extra }, 'request');
    this.admit(req, limits).then(
      ({ conversationId, watermark, until }) => {
        socket.off('error', ignore);
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          logLine(101);
          this.open(ws, conversationId, watermark, until);
        });
      },
      (err: unknown) => {
        const refusal = err instanceof Refusal ? err : new Refusal(500, 'ServiceError', 'internal error');
        if (!(err instanceof Refusal)) this.log.error({ err }, 'direct line stream upgrade failed');
        logLine(refusal.status, refusal.status === 429 ? { limited: 'new-sockets', client: clientAddress(req, limits.trustedHops) } : {});
        refuse(socket, refusal);
      },
    );
  }

  /** Checks an upgrade request, before the upgrade: the path, the client's budget, the stream token, the conversation. */
  private async admit(req: IncomingMessage, limits: StreamLimits): Promise<{ conversationId: string; watermark: number; until: number }> {
    if (this.closing) throw new Refusal(503, 'ServiceUnavailable', 'the server is shutting down');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new Refusal(404, 'NotFound', 'no stream here');
    }
    const conversationId = STREAM_PATH.exec(url.pathname)?.[1];
    if (!conversationId || req.method !== 'GET') throw new Refusal(404, 'NotFound', 'no stream here');
    if (limits.newSockets.perMinute > 0) {
      const verdict = limits.newSockets.take(`new-sockets:${clientAddress(req, limits.trustedHops)}`);
      if (!verdict.allowed) throw new Refusal(429, 'TooManyRequests', `too many requests; retry after ${verdict.retryAfterSeconds} s`, { 'Retry-After': String(verdict.retryAfterSeconds) });
    }
    const token = url.searchParams.get('t');
    if (!token) throw new Refusal(401, 'Unauthorized', 'the stream token (t) is required');
    const claims = this.tokens.verifyStream(token);
    if (!claims) throw new Refusal(401, 'Unauthorized', 'the stream token is not valid, or has expired');
    if (claims.c !== conversationId) throw new Refusal(403, 'Forbidden', 'this token belongs to another conversation');
    if (!(await this.store.get(conversationId))) throw new Refusal(404, 'NotFound', 'no such conversation');
    if ((this.byConversation.get(conversationId)?.size ?? 0) >= this.maxSocketsPerConversation) throw new Refusal(429, 'TooManyRequests', 'too many sockets open for this conversation', { 'Retry-After': '30' });
    const raw = url.searchParams.get('watermark') ?? '';
    return { conversationId, watermark: /^\d{1,9}$/.test(raw) ? Number(raw) : -1, until: claims.u * 1000 };
  }

  private open(ws: WebSocket, conversationId: string, watermark: number, until: number): void {
    const stream: Stream = { ws, conversationId, watermark, until, expiry: undefined, alive: true, busy: false, pumping: false, again: false };
    let streams = this.byConversation.get(conversationId);
    if (!streams) this.byConversation.set(conversationId, (streams = new Set()));
    streams.add(stream);
    this.expireAt(stream, until);
    ws.on('pong', () => (stream.alive = true));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Web Chat sends an empty message now and then to notice a dead connection; nothing else has a meaning here.
      if (isBinary || byteLength(data) > 0) ws.close(1008, 'clients send nothing but empty messages');
    });
    // Frames over maxPayload, bad framing, resets: ws closes the socket itself after this.
    ws.on('error', () => undefined);
    ws.on('close', () => this.remove(stream));
    if (!this.keepAlive) this.keepAlive = setInterval(() => this.tick(), this.keepAliveMs).unref();
    void this.pump(stream);
  }

  private extendHere(conversationId: string, untilSeconds: number): void {
    for (const stream of this.byConversation.get(conversationId) ?? []) {
      if (untilSeconds * 1000 > stream.until) this.expireAt(stream, untilSeconds * 1000);
    }
  }

  private remove(stream: Stream): void {
    clearTimeout(stream.expiry);
    stream.expiry = undefined;
    const streams = this.byConversation.get(stream.conversationId);
    streams?.delete(stream);
    if (streams?.size === 0) this.byConversation.delete(stream.conversationId);
    if (this.byConversation.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  private expireAt(stream: Stream, until: number): void {
    clearTimeout(stream.expiry);
    stream.until = until;
    // Not unref'd: Node forgets the list of an unref'd timer's delay only when that delay has run out,
    // even once the timer is cleared, and every socket's delay is its own; 10,000 sockets gone left
    // 1.4 MB in the timer queue for 30 minutes. The open socket holds the process anyway.
    stream.expiry = setTimeout(() => stream.ws.close(1000, 'token expired'), Math.min(MAX_TIMER_MS, Math.max(0, until - Date.now())));
  }

  /** Sends the socket what the store holds after its watermark, until nothing newer is left; one read at a time per socket. */
  private async pump(stream: Stream): Promise<void> {
    if (stream.pumping) {
      stream.again = true;
      return;
    }
    stream.pumping = true;
    try {
      do {
        stream.again = false;
        const { activities, watermark } = await this.store.since(stream.conversationId, stream.watermark);
        if (stream.ws.readyState !== WebSocket.OPEN) return;
        // A watermark past the end (a client's guess) starts from the end, as polling does.
        if (activities.length === 0) stream.watermark = Math.min(stream.watermark, watermark);
        else if (this.send(stream, JSON.stringify({ activities, watermark: String(watermark) }))) stream.watermark = watermark;
      } while (stream.again);
    } catch (err) {
      this.log.error({ err, conversation: stream.conversationId }, 'direct line stream read failed');
      stream.ws.close(1011, 'internal error');
    } finally {
      stream.pumping = false;
    }
  }

  private sendAppended(stream: Stream, appended: Appended): void {
    if (stream.ws.readyState !== WebSocket.OPEN) return;
    if (appended.activities.length > 0 && !this.send(stream, JSON.stringify({ activities: appended.activities, watermark: String(appended.watermark) }))) return;
    stream.watermark = appended.watermark;
  }

  /** Sends unless the client has stopped reading (then the socket is cut: a close frame would not get through either). */
  private send(stream: Stream, data: string): boolean {
    if (stream.ws.readyState !== WebSocket.OPEN) return false;
    if (stream.ws.bufferedAmount > this.maxBufferedBytes) {
      this.log.warn({ conversation: stream.conversationId, buffered: stream.ws.bufferedAmount }, 'direct line stream closed: the client does not read');
      stream.ws.terminate();
      return false;
    }
    stream.ws.send(data);
    stream.busy = true;
    return true;
  }

  private tick(): void {
    for (const streams of this.byConversation.values()) {
      for (const stream of streams) {
        if (!stream.alive) {
          // No pong since the last tick: the peer is gone, or so slow it may as well be.
          stream.ws.terminate();
          continue;
        }
        stream.alive = false;
        stream.ws.ping();
        if (!stream.busy) this.send(stream, '');
        stream.busy = false;
        // Catches up on an append this instance was not told of (another instance's, its announcement lost).
        void this.pump(stream);
      }
    }
  }
}

/**
 * ws:// or wss:// and the host, as the client addressed this server. Both headers are taken as given,
 * whatever TRUST_PROXY_HOPS says: they shape only the URL handed back to the client that sent them.
 */
function streamOrigin(req: IncomingMessage): string {
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase();
  const secure = forwarded ? forwarded === 'https' || forwarded === 'wss' : Boolean((req.socket as { encrypted?: boolean }).encrypted);
  const host = req.headers.host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.headers.host) ? req.headers.host : `${req.socket.localAddress?.includes(':') ? `[${req.socket.localAddress}]` : req.socket.localAddress}:${req.socket.localPort}`;
  return `${secure ? 'wss' : 'ws'}://${host}`;
}

function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** Answers an upgrade that is not accepted with a plain HTTP response, then drops the connection. */
function refuse(socket: Duplex, refusal: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  const headers = { Connection: 'close', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...refusal.headers };
  // Ended before destroyed, so the response is not lost in a reset.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`);
}

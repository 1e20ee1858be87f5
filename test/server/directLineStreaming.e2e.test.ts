import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryDirectLineStore } from '../../src/channels/directline/conversationStore';
import { DirectLineStreaming } from '../../src/channels/directline/streaming';
import { STREAM_CONNECT_SECONDS, TokenSigner } from '../../src/channels/directline/tokens';
import { RateLimiter } from '../../src/server/rateLimit';
import { MENU, PHRASES } from '../../src/dialogs/phrases';
import { createLogger } from '../../src/logging';
import { tokenClaims, type DirectLineActivity } from '../support/directLineClient';
import { http, startApp, TEST_SECRET, visibleText, type RunningApp } from '../support/server';
import { until } from '../support/until';

// Direct Line streaming at the wire: the streamUrl, what the socket carries, and every way a
// socket is refused, misused or abandoned. Raw sockets (ws's client, or plain HTTP for the
// handshake), so that each fault is exactly the one named. The client Web Chat runs is tested in
// directLineJs.e2e.test.ts.

const BOT_ID = 'careplan-helpdesk-bot';

interface Session {
  conversationId: string;
  token: string;
  streamUrl: string;
}

/** A socket as a test sees it: every message, and how it closed. */
interface Opened {
  ws: WebSocket;
  messages: string[];
  closed: Promise<{ code: number; reason: string }>;
}

/** A refused upgrade: the HTTP status and body the server wrote instead of switching protocols. */
interface Refused {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Opens a socket; resolves when open, or with the server's refusal. */
function open(url: string, headers: Record<string, string> = {}): Promise<Opened | Refused> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: string[] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.on('close', (code, reason) => done({ code, reason: reason.toString() })));
    ws.on('message', (data) => messages.push(data.toString()));
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.on('error', (err) => reject(err));
  });
}

async function opened(url: string, headers?: Record<string, string>): Promise<Opened> {
  const result = await open(url, headers);
  if ('status' in result) throw new Error(`refused: ${result.status} ${result.body}`);
  return result;
}

async function refused(url: string, headers?: Record<string, string>): Promise<Refused> {
  const result = await open(url, headers);
  if (!('status' in result)) {
    result.ws.terminate();
    throw new Error('the socket was opened');
  }
  return result;
}

/** The activities of the socket's messages, in order (empty messages are keep-alives). */
const activitiesOf = (socket: Opened) => socket.messages.filter((m) => m !== '').flatMap((m) => (JSON.parse(m) as { activities: DirectLineActivity[] }).activities);

/** Performs the handshake by hand and then never reads: a client whose network or tab has stalled. */
function openWithoutReading(streamUrl: string): Promise<Socket> {
  const url = new URL(streamUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (_res, socket) => {
      socket.pause();
      resolve(socket as Socket);
    });
    req.on('response', (res) => reject(new Error(`refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/** The status line the server answers a hand-written upgrade request for `target` with. */
function rawUpgrade(base: string, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

async function startConversation(base: string): Promise<Session> {
  const res = await http<Session>(`${base}/v3/directline/conversations`, { method: 'POST', auth: TEST_SECRET });
  expect(res.status).toBe(201);
  return res.json;
}

function post(base: string, session: Session, text: string) {
  return http<{ id: string }>(`${base}/v3/directline/conversations/${session.conversationId}/activities`, { auth: session.token, body: { type: 'message', text, from: { id: 'raw-user' } } });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Direct Line streaming: the streamUrl and what the socket carries', () => {
  let server: RunningApp;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET }, undefined, { log: createLogger('info', sink) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('conversations answers a streamUrl: ws:// to the host asked for, this conversation, a short-lived stream token', async () => {
    const session = await startConversation(server.base);
    const url = new URL(session.streamUrl);
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe(new URL(server.base).host);
    expect(url.pathname).toBe(`/v3/directline/conversations/${session.conversationId}/stream`);
    expect(url.searchParams.get('watermark')).toBe('-');
    const t = url.searchParams.get('t')!;
    expect(tokenClaims(t).c).toBe(session.conversationId);
    // Good for connecting within a minute, unlike the conversation's 30-minute token.
    expect(tokenClaims(t).e * 1000 - Date.now()).toBeLessThanOrEqual(STREAM_CONNECT_SECONDS * 1000);
    expect(t).not.toBe(session.token);
    // A vendor backend's tokens/generate is as before: no stream yet.
    const generated = await http(`${server.base}/v3/directline/tokens/generate`, { method: 'POST', auth: TEST_SECRET });
    expect(Object.keys(generated.json as object).sort()).toEqual(['conversationId', 'expires_in', 'token']);
  });

  it('behind a TLS proxy (X-Forwarded-Proto: https) the streamUrl is wss:// to the public host', async () => {
    // fetch may not set Host; node:http sends what a proxy would.
    const session = await new Promise<Session>((resolve, reject) => {
      const { port } = new URL(server.base);
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v3/directline/conversations', headers: { authorization: `Bearer ${TEST_SECRET}`, host: 'chat.vendor.example', 'x-forwarded-proto': 'https' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(JSON.parse(body) as Session));
      });
      req.on('error', reject);
      req.end();
    });
    expect(session.streamUrl).toMatch(new RegExp(`^wss://chat\\.vendor\\.example/v3/directline/conversations/${session.conversationId}/stream\\?`));
    const reconnect = await http<Session>(`${server.base}/v3/directline/conversations/${session.conversationId}`, { auth: session.token, headers: { 'x-forwarded-proto': 'http' } });
    expect(reconnect.json.streamUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
  });

  it('the stream token opens the socket and nothing else: the REST routes refuse it (401)', async () => {
    const session = await startConversation(server.base);
    const t = new URL(session.streamUrl).searchParams.get('t')!;
    const conversation = `${server.base}/v3/directline/conversations/${session.conversationId}`;
    expect((await http(`${conversation}/activities`, { auth: t })).status).toBe(401);
    expect((await http(`${conversation}/activities`, { auth: t, body: { type: 'message', text: 'x' } })).status).toBe(401);
    expect((await http(conversation, { auth: t })).status).toBe(401);
    expect((await http(`${server.base}/v3/directline/tokens/refresh`, { method: 'POST', auth: t })).status).toBe(401);
  });

  it('the socket carries {activities, watermark}: the welcome, then the user\'s own message and the replies, each once', async () => {
    const session = await startConversation(server.base);
    const socket = await opened(session.streamUrl);
    await until('the welcome', () => activitiesOf(socket).length >= 1);
    const first = JSON.parse(socket.messages.find((m) => m !== '')!) as { activities: DirectLineActivity[]; watermark: string };
    expect(first.watermark).toBe('0');
    expect(first.activities[0]!.from?.id).toBe(BOT_ID);
    expect(visibleText(first.activities[0]!)).toContain(PHRASES.welcome);

    const { json } = await post(server.base, session, MENU.certificate);
    await until('the reply', () => activitiesOf(socket).some((a) => a.from?.id === BOT_ID && visibleText(a).includes(PHRASES.certPassword)));
    await sleep(100);
    const received = activitiesOf(socket);
    // Azure echoes the user's own activity, with the id the POST answered.
    expect(received[1]).toMatchObject({ id: json.id, text: MENU.certificate, from: { id: 'raw-user' } });
    const all = await http<{ activities: DirectLineActivity[]; watermark: string }>(`${server.base}/v3/directline/conversations/${session.conversationId}/activities`, { auth: TEST_SECRET });
    expect(received.map((a) => a.id)).toEqual(all.json.activities.map((a) => a.id));
    // Each message's watermark is the last activity it carries, so a reconnect from it repeats nothing.
    const last = JSON.parse(socket.messages.filter((m) => m !== '').at(-1)!) as { watermark: string };
    expect(last.watermark).toBe(all.json.watermark);
    socket.ws.close();
    await socket.closed;
  });

  it('a reconnect (GET conversations/{id}?watermark=N) gets a streamUrl whose socket starts after N', async () => {
    const session = await startConversation(server.base);
    await post(server.base, session, MENU.certificate);
    const all = (await http<{ activities: DirectLineActivity[] }>(`${server.base}/v3/directline/conversations/${session.conversationId}/activities`, { auth: TEST_SECRET })).json.activities;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const reconnect = await http<Session>(`${server.base}/v3/directline/conversations/${session.conversationId}?watermark=1`, { auth: session.token });
    expect(reconnect.status).toBe(200);
    expect(new URL(reconnect.json.streamUrl).searchParams.get('watermark')).toBe('1');
    const socket = await opened(reconnect.json.streamUrl);
    await until('the activities after 1', () => activitiesOf(socket).length >= all.length - 2);
    await sleep(100);
    expect(activitiesOf(socket).map((a) => a.id)).toEqual(all.slice(2).map((a) => a.id));
    socket.ws.close();
  });

  it('access lines name the stream route and status, never the stream token', async () => {
    const session = await startConversation(server.base);
    const t = new URL(session.streamUrl).searchParams.get('t')!;
    const socket = await opened(session.streamUrl);
    socket.ws.close();
    await refused(session.streamUrl.replace(session.conversationId, 'no-such-conversation'));
    const streamLines = lines.filter((l) => l.includes('/stream'));
    expect(streamLines.map((l) => (JSON.parse(l) as { route?: string; status?: number }).status)).toEqual(expect.arrayContaining([101, 403]));
    expect(streamLines.every((l) => (JSON.parse(l) as { route?: string }).route === '/v3/directline/conversations/:conversationId/stream')).toBe(true);
    expect(lines.join('\n')).not.toContain(t);
    expect(lines.join('\n')).not.toContain(session.token);
  });
});

describe('Direct Line streaming: refused before the upgrade', () => {
  let server: RunningApp;
  let session: Session;
  let other: Session;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET });
    session = await startConversation(server.base);
    other = await startConversation(server.base);
  });
  afterAll(async () => {
    await server?.close();
  });

  const withToken = (url: string, t: string | undefined) => {
    const u = new URL(url);
    if (t === undefined) u.searchParams.delete('t');
    else u.searchParams.set('t', t);
    return u.href;
  };
  const errorCode = (res: Refused) => (JSON.parse(res.body) as { error: { code: string } }).error.code;

  it('no token, a forged or conversation token, an expired one → 401', async () => {
    const t = new URL(session.streamUrl).searchParams.get('t')!;
    const [payload, signature] = t.split('.') as [string, string];
    const expired = new TokenSigner(TEST_SECRET, 1800, () => Date.now() - 2 * 60_000).issueStream(session.conversationId);
    for (const token of [undefined, '', 'garbage', `${payload}.${signature.slice(0, -2)}xx`, new TokenSigner('another-secret-of-enough-length').issueStream(session.conversationId), session.token, expired]) {
      const res = await refused(withToken(session.streamUrl, token));
      expect(res.status, String(token)).toBe(401);
      expect(errorCode(res)).toBe('Unauthorized');
      expect(res.headers.connection).toBe('close');
    }
  });

  it("another conversation's stream token → 403", async () => {
    const res = await refused(withToken(session.streamUrl, new URL(other.streamUrl).searchParams.get('t')!));
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe('Forbidden');
  });

  it('the token of a conversation that does not exist (any more) → 404; so is a path that is no stream', async () => {
    const gone = new TokenSigner(TEST_SECRET).issueStream('conversation-that-is-gone');
    const res = await refused(withToken(session.streamUrl.replace(session.conversationId, 'conversation-that-is-gone'), gone));
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('NotFound');
    expect((await refused(`${server.base.replace('http', 'ws')}/v3/directline/conversations`)).status).toBe(404);
    expect((await refused(`${server.base.replace('http', 'ws')}/`)).status).toBe(404);
    // Targets no URL parser takes.
    expect(await rawUpgrade(server.base, '//[')).toBe('HTTP/1.1 404 Not Found');
    expect(await rawUpgrade(server.base, 'http://[')).toBe('HTTP/1.1 404 Not Found');
  });

  it('nothing refused was opened, and the server goes on serving', async () => {
    expect(server.app.directLine.streaming.stats()).toEqual({ sockets: 0, conversations: 0, timers: 0 });
    const socket = await opened(session.streamUrl);
    await until('the welcome', () => activitiesOf(socket).length >= 1);
    socket.ws.close();
    await socket.closed;
  });
});

describe('Direct Line streaming: new sockets per address are limited like new chats', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the fourth socket in a minute from one address → 429 with Retry-After; another address still connects', async () => {
    const session = await startConversation(server.base);
    const client = { 'x-forwarded-for': '203.0.113.7' };
    const sockets = [await opened(session.streamUrl, client), await opened(session.streamUrl, client), await opened(session.streamUrl, client)];
    const res = await refused(session.streamUrl, client);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    sockets.push(await opened(session.streamUrl, { 'x-forwarded-for': '198.51.100.9' }));
    // The refused one was never opened.
    expect(server.app.directLine.streaming.stats().sockets).toBe(4);
    for (const socket of sockets) socket.ws.close();
  });
});

describe('Direct Line streaming: bad clients are cut off, other chats go on', () => {
  let server: RunningApp;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const MAX_BUFFERED = 64 * 1024;

  beforeAll(async () => {
    server = await startApp(
      { DIRECT_LINE_SECRET: TEST_SECRET, RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '0' },
      undefined,
      { directLine: { maxBufferedBytes: MAX_BUFFERED }, log: createLogger('warn', sink) },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A chat in another conversation that must notice nothing. */
  async function bystander() {
    const session = await startConversation(server.base);
    const socket = await opened(session.streamUrl);
    return {
      socket,
      /** Sends a message and waits for the bot's answer over the socket. */
      chats: async () => {
        const { json } = await post(server.base, session, MENU.certificate);
        await until('the bystander\'s reply', () => activitiesOf(socket).some((a) => a.from?.id === BOT_ID && a.id > json.id && visibleText(a).includes(PHRASES.certPassword)));
      },
    };
  }

  it('text sent over the socket → closed (1008); binary → closed (1008); a frame over the payload limit → closed (1009)', async () => {
    const other = await bystander();
    const session = await startConversation(server.base);
    const cases: Array<[string, (ws: WebSocket) => void, number]> = [
      ['text', (ws) => ws.send('{"type":"message","text":"hello"}'), 1008],
      ['binary', (ws) => ws.send(randomBytes(16)), 1008],
      ['100 kB', (ws) => ws.send('x'.repeat(100_000)), 1009],
    ];
    for (const [name, misuse, code] of cases) {
      const socket = await opened(session.streamUrl);
      // An empty message is Web Chat's own keep-alive: harmless.
      socket.ws.send('');
      await sleep(50);
      expect(socket.ws.readyState, name).toBe(WebSocket.OPEN);
      misuse(socket.ws);
      expect((await socket.closed).code, name).toBe(code);
    }
    await other.chats();
    await until('the closed sockets forgotten', () => server.app.directLine.streaming.stats().sockets === 1);
    other.socket.ws.close();
  });

  it('a client that never reads is cut off once its unsent data passes the bound; the bound holds meanwhile', { timeout: 60_000 }, async () => {
    const other = await bystander();
    const session = await startConversation(server.base);
    const stalled = await openWithoutReading(session.streamUrl);
    await until('the socket open', () => server.app.directLine.streaming.stats().sockets === 2);
    // Long messages, each echoed and answered, until the kernel's buffers are full and ours pass the bound.
    const text = 'あ'.repeat(4000);
    let posted = 0;
    while (server.app.directLine.streaming.stats().sockets === 2 && posted < 2000) {
      expect((await post(server.base, session, text)).status).toBe(200);
      posted++;
    }
    expect(server.app.directLine.streaming.stats().sockets).toBe(1);
    const cut = lines.map((l) => JSON.parse(l) as { msg: string; buffered?: number; conversation?: string }).find((l) => l.msg.includes('does not read'));
    expect(cut?.conversation).toBe(session.conversationId);
    // Cut at the first message past the bound: never more than the bound and one message held.
    expect(cut!.buffered!).toBeGreaterThan(MAX_BUFFERED);
    expect(cut!.buffered!).toBeLessThan(MAX_BUFFERED + 64 * 1024);
    await other.chats();
    stalled.destroy();
    other.socket.ws.close();
  });
});

describe('Direct Line streaming: keep-alive, dead peers, token expiry', () => {
  let server: RunningApp;
  const KEEP_ALIVE_MS = 200;
  const TOKEN_SECONDS = 3;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '0' }, undefined, {
      directLine: { keepAliveMs: KEEP_ALIVE_MS, tokenLifetimeSeconds: TOKEN_SECONDS },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an idle socket gets an empty message every keep-alive and stays open; one that stops answering pings is dropped', async () => {
    const idle = await opened((await startConversation(server.base)).streamUrl);
    const stalled = await openWithoutReading((await startConversation(server.base)).streamUrl);
    await until('both open', () => server.app.directLine.streaming.stats().sockets === 2);
    await sleep(KEEP_ALIVE_MS * 5);
    expect(idle.messages.filter((m) => m === '').length).toBeGreaterThanOrEqual(2);
    expect(idle.ws.readyState).toBe(WebSocket.OPEN);
    // The stalled one never read the pings, so never answered them.
    expect(server.app.directLine.streaming.stats().sockets).toBe(1);
    stalled.destroy();
    idle.ws.close();
    await idle.closed;
  });

  it('a socket closes when its token expires, unless the conversation\'s token is refreshed', { timeout: 15_000 }, async () => {
    // The refreshed one first: its first token expires no later than the other's.
    const refreshed = await startConversation(server.base);
    const lapsing = await startConversation(server.base);
    const [b, a] = [await opened(refreshed.streamUrl), await opened(lapsing.streamUrl)];
    await sleep(1000);
    const renewed = await http<Session>(`${server.base}/v3/directline/tokens/refresh`, { method: 'POST', auth: refreshed.token });
    expect(renewed.status).toBe(200);

    const lapsed = await a.closed;
    expect(lapsed).toEqual({ code: 1000, reason: 'token expired' });
    // Past its first token's expiry, the refreshed conversation still streams (for a second more at least).
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    const { json } = await post(server.base, { ...refreshed, token: renewed.json.token }, MENU.certificate);
    await until('the reply over the refreshed socket', () => activitiesOf(b).some((x) => x.from?.id === BOT_ID && x.id > json.id));
    expect((await b.closed).reason).toBe('token expired');
  });
});

describe('Direct Line streaming: sockets leave nothing behind', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_IP_PER_MINUTE: '0' });
  });
  afterEach(() => {
    expect(server.app.directLine.streaming.stats()).toEqual({ sockets: 0, conversations: 0, timers: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('200 sockets over 20 conversations, closed by the client, reset, misused or refused: no socket, conversation or timer left', { timeout: 60_000 }, async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => startConversation(server.base)));
    const ends: Array<(socket: Opened) => void> = [(s) => s.ws.close(), (s) => s.ws.terminate(), (s) => s.ws.send('garbage'), (s) => s.ws.send('x'.repeat(5000))];
    for (let round = 0; round < 10; round++) {
      const sockets = await Promise.all(sessions.map((session) => opened(session.streamUrl)));
      expect(server.app.directLine.streaming.stats()).toMatchObject({ sockets: 20, conversations: 20 });
      sockets.forEach((socket, i) => ends[(i + round) % ends.length]!(socket));
      await Promise.all(sockets.map((socket) => socket.closed));
      // And some that never open.
      await refused(sessions[round]!.streamUrl.replace(/t=[^&]+/, 't=forged'));
    }
    await until(() => `sockets forgotten: ${JSON.stringify(server.app.directLine.streaming.stats())}`, () => server.app.directLine.streaming.stats().sockets === 0);
  });

  it('at most 8 sockets per conversation (429 beyond); a closed one makes room', async () => {
    const session = await startConversation(server.base);
    const sockets = await Promise.all(Array.from({ length: 8 }, () => opened(session.streamUrl)));
    expect((await refused(session.streamUrl)).status).toBe(429);
    sockets[0]!.ws.close();
    await sockets[0]!.closed;
    await until('the closed one forgotten', () => server.app.directLine.streaming.stats().sockets === 7);
    sockets[0] = await opened(session.streamUrl);
    for (const socket of sockets) socket.ws.close();
    await Promise.all(sockets.map((socket) => socket.closed));
    await until('all forgotten', () => server.app.directLine.streaming.stats().sockets === 0);
  });

  it('stopping the server closes its sockets (1001, so clients reconnect elsewhere) without waiting for them', async () => {
    const own = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET });
    const session = await startConversation(own.base);
    const socket = await opened(session.streamUrl);
    const stalled = await openWithoutReading((await startConversation(own.base)).streamUrl);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await socket.closed).code).toBe(1001);
    expect(own.app.directLine.streaming.stats()).toEqual({ sockets: 0, conversations: 0, timers: 0 });
    stalled.destroy();
  });
});

describe('Direct Line streaming: an append the socket was not told of', () => {
  it('arrives by the next keep-alive, when each socket reads the store again (another instance\'s, its announcement lost)', async () => {
    // A store whose announcements never come: what a socket sees when Redis lost another instance's message.
    const store = new MemoryDirectLineStore();
    const deaf = Object.assign(Object.create(store) as MemoryDirectLineStore, { onAppended: () => () => undefined });
    const signer = new TokenSigner(TEST_SECRET);
    const streaming = new DirectLineStreaming(deaf, signer, { log: createLogger('silent'), keepAliveMs: 100 });
    const httpServer = createServer();
    streaming.listen(httpServer, { newSockets: new RateLimiter(0), trustedHops: 0 });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    try {
      await store.create('conv');
      const { port } = httpServer.address() as { port: number };
      const socket = await opened(`ws://127.0.0.1:${port}/v3/directline/conversations/conv/stream?watermark=-&t=${signer.issueStream('conv')}`);
      await store.append('conv', { type: 'message', text: 'from another instance' });
      await until('the activity, read at a keep-alive', () => activitiesOf(socket).length === 1, 1000);
      expect(activitiesOf(socket)[0]).toMatchObject({ id: 'conv|0000000', text: 'from another instance' });
      socket.ws.close();
      await socket.closed;
    } finally {
      await streaming.close();
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });
});

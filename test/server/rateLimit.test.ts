/**
 * Rate limits: the token bucket itself, the client address behind proxies, and the real server:
 * 429 with Retry-After per client address and per conversation (Direct Line, /api/messages),
 * other clients and conversations unaffected, /healthz never limited, the limit lifting once the
 * Retry-After has passed (on a clock the test moves), and Slack's per-user limit that keeps the
 * 200 ack and tells the user once.
 */
import '../support/quietDeprecations';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MemoryStorage } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { MENU, PHRASES } from '../../src/dialogs/phrases';
import { createLogger } from '../../src/logging';
import { clientAddress, RateLimiter } from '../../src/server/rateLimit';
import { SLACK_RATE_LIMIT_TEXT } from '../../src/server/slackLimit';
import { DirectLineClient } from '../support/directLineClient';
import { FakeConnector } from '../support/fakeConnector';
import { FAKE_TEAM_ID, FakeSlackApi } from '../support/fakeSlackApi';
import { http, TEST_SECRET, visibleText, type CardActivity } from '../support/server';
import { freePort, startServerProcess } from '../support/serverProcess';
import { eventCallback, imMessage, sendEvent, TEST_SIGNING_SECRET } from '../support/slackSigning';

/** Goes back to the menu from anywhere: messages that leave the conversation where it was. */
const RESTART = '最初から';

/** A clock the test moves by hand (milliseconds). */
function manualClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

interface Started {
  app: App;
  base: string;
  clock: ReturnType<typeof manualClock>;
  /** The server's log lines (info and above), parsed. */
  logs: Array<Record<string, unknown>>;
}

async function start(env: Record<string, string>): Promise<Started> {
  const clock = manualClock();
  const config = loadConfig({ PORT: '3978', DIRECT_LINE_SECRET: TEST_SECRET, ...env }, '/nonexistent');
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp(config, { log: createLogger('info', sink), now: () => new Date('2026-11-19T10:00:00+09:00'), storage: new MemoryStorage(), clock: clock.now });
  const port = await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}`, clock, logs };
}

function expect429(res: { status: number; headers: Headers; json: any; text: string }) {
  expect(res.status, res.text).toBe(429);
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(res.json).toMatchObject({ error: { code: 'TooManyRequests' } });
  expect(res.headers.get('x-request-id')).toBeTruthy();
  return Number(retryAfter);
}

describe('RateLimiter (token bucket)', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(60, clock.now);
    for (let i = 0; i < 60; i++) expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // A refused request takes nothing: after one second exactly one more gets through.
    clock.advance(1000);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('refills at perMinute/60 per second, up to the burst, and keys are independent', () => {
    const clock = manualClock();
    const limiter = new RateLimiter(6, clock.now);
    for (let i = 0; i < 6; i++) limiter.take('a');
    const refused = limiter.take('a');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.take('b').allowed).toBe(true);
    clock.advance(10_000);
    expect(limiter.take('a').allowed).toBe(true);
    clock.advance(3_600_000);
    for (let i = 0; i < 6; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('0 means no limit; memory is bounded by forgetting the least recently used key', () => {
    const unlimited = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(unlimited.take('a').allowed).toBe(true);
    expect(unlimited.size).toBe(0);
    const clock = manualClock();
    const limiter = new RateLimiter(1, clock.now, 3);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    limiter.take('a'); // refused, and now the most recent
    limiter.take('d'); // evicts b
    expect(limiter.size).toBe(3);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });
});

describe('clientAddress', () => {
  const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  it('is the peer unless proxies are trusted; IPv4-mapped IPv6 is plain IPv4; IPv6 is cut to its /64', () => {
    expect(clientAddress(req('::ffff:203.0.113.7', '198.51.100.1'), 0)).toBe('203.0.113.7');
    expect(clientAddress(req('2001:db8:1:2:3:4:5:6'), 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress(req('2001:db8::1'), 0)).toBe('2001:db8:0:0::/64');
    expect(clientAddress(req('2001:db8:1:2::9'), 0)).toBe(clientAddress(req('2001:db8:1:2:ffff::1'), 0));
  });

  it('with n trusted proxies takes the n-th address from the right of X-Forwarded-For, ports and brackets removed', () => {
    expect(clientAddress(req('10.0.0.1', 'spoofed, 203.0.113.7:51234'), 1)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.1', '203.0.113.7, 10.0.0.2'), 2)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.1', '[2001:db8::5]:443'), 1)).toBe('2001:db8:0:0::/64');
    // Fewer entries than proxies: the furthest one there is; junk: the peer.
    expect(clientAddress(req('10.0.0.1', '203.0.113.7'), 3)).toBe('203.0.113.7');
    expect(clientAddress(req('10.0.0.1', 'not an address'), 1)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1'), 1)).toBe('10.0.0.1');
  });
});

describe('per client address (RATE_LIMIT_PER_IP_PER_MINUTE)', () => {
  let s: Started;
  beforeAll(async () => {
    // One trusted proxy, so the test can be several clients from loopback.
    s = await start({ RATE_LIMIT_PER_IP_PER_MINUTE: '5', TRUST_PROXY_HOPS: '1' });
  });
  afterAll(async () => {
    await s?.app.close();
  });
  const from = (ip: string, path = '/api/handoffs') => http(`${s.base}${path}`, { headers: { 'x-forwarded-for': ip } });

  it('answers 429 with Retry-After once an address has used its budget, on any route, even unknown ones', async () => {
    for (let i = 0; i < 3; i++) expect((await from('198.51.100.1')).status).toBe(401);
    expect((await from('198.51.100.1', '/no/such/route')).status).toBe(404);
    expect((await from('198.51.100.1', '/')).status).toBe(200);
    const limited = await from('198.51.100.1');
    const retryAfter = expect429(limited);
    expect(retryAfter).toBe(12);
    // Its access line says which limit and which client.
    await new Promise((r) => setTimeout(r, 20));
    expect(s.logs.find((l) => l.reqId === limited.headers.get('x-request-id'))).toMatchObject({ msg: 'request', status: 429, limited: 'ip', client: '198.51.100.1', path: '/api/handoffs' });
    expect429(await from('198.51.100.1', '/v3/directline/tokens/generate'));
  });

  it('leaves other addresses, /healthz and /metrics alone', async () => {
    for (let i = 0; i < 6; i++) await from('198.51.100.2');
    expect((await from('198.51.100.2')).status).toBe(429);
    expect((await from('198.51.100.3')).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await from('198.51.100.2', '/healthz')).status).toBe(200);
    expect((await from('198.51.100.2', '/metrics')).status).not.toBe(429);
  });

  it('lifts once Retry-After has passed', async () => {
    for (let i = 0; i < 6; i++) await from('198.51.100.4');
    const retryAfter = expect429(await from('198.51.100.4'));
    s.clock.advance(retryAfter * 1000 - 100);
    expect((await from('198.51.100.4')).status).toBe(429);
    s.clock.advance(100);
    expect((await from('198.51.100.4')).status).toBe(401);
    expect((await from('198.51.100.4')).status).toBe(429);
  });

  it('a 429 on Direct Line still carries its CORS header, so a browser can read it', async () => {
    for (let i = 0; i < 6; i++) await from('198.51.100.5', '/v3/directline/tokens/generate');
    const res = await http(`${s.base}/v3/directline/tokens/generate`, { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.5', origin: 'https://vendor.example' } });
    expect429(res);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('new chats per client address (RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE)', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
  });
  afterAll(async () => {
    await s?.app.close();
  });
  const newChat = (ip: string) => http(`${s.base}/api/webchat/token`, { method: 'POST', headers: { 'x-forwarded-for': ip, origin: s.base } });

  it('the page\'s token endpoint gives one address its burst of chats, then 429 until the refill; chats already open go on', async () => {
    const opened = [];
    for (let i = 0; i < 3; i++) {
      const res = await newChat('198.51.100.20');
      expect(res.status, res.text).toBe(200);
      opened.push(res.json as { token: string; conversationId: string });
    }
    const limited = await newChat('198.51.100.20');
    expect(expect429(limited)).toBe(20);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.logs.find((l) => l.reqId === limited.headers.get('x-request-id'))).toMatchObject({ status: 429, limited: 'new-chats', client: '198.51.100.20' });
    // Another address, and the chats already open, are not affected.
    expect((await newChat('198.51.100.21')).status).toBe(200);
    const read = await http(`${s.base}/v3/directline/conversations/${opened[0]!.conversationId}/activities`, { auth: opened[0]!.token, headers: { 'x-forwarded-for': '198.51.100.20' } });
    expect(read.status).toBe(200);
    s.clock.advance(20_000);
    expect((await newChat('198.51.100.20')).status).toBe(200);
  });
});

describe('per conversation (RATE_LIMIT_PER_CONVERSATION_PER_MINUTE)', () => {
  let s: Started;
  let connector: FakeConnector;
  beforeAll(async () => {
    connector = await new FakeConnector().start();
    s = await start({ RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await s?.app.close();
    await connector?.stop();
  });

  const post = (client: DirectLineClient, text: string) =>
    http(`${client.url}/activities`, { auth: client.session.token, body: { type: 'message', from: client.user, text } });

  it('Direct Line: the 4th message into one conversation within the refill time is 429; another conversation is not affected; it lifts', async () => {
    const a = await DirectLineClient.start(s.base, TEST_SECRET);
    const b = await DirectLineClient.start(s.base, TEST_SECRET);
    await a.poll();
    for (let i = 0; i < 3; i++) expect((await post(a, RESTART)).status).toBe(200);
    const limited = await post(a, MENU.certificate);
    const retryAfter = expect429(limited);
    expect(retryAfter).toBe(20);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    // The refused message never reached the conversation.
    const seen = (await a.poll()).filter((x) => x.from?.id === a.user.id).map((x) => x.text);
    expect(seen).toEqual([RESTART, RESTART, RESTART]);

    // Reading (polling) is not a message: not counted.
    for (let i = 0; i < 10; i++) await a.poll();
    // b has its own budget.
    expect((await post(b, MENU.certificate)).status).toBe(200);

    s.clock.advance(retryAfter * 1000);
    expect((await post(a, MENU.certificate)).status).toBe(200);
    const replies = (await a.poll()).filter((x) => x.from?.id !== a.user.id);
    expect(visibleText(replies.at(-1)!)).toContain(PHRASES.certPassword);
  });

  it('/api/messages: counted per activity conversation; other conversations go on; it lifts', async () => {
    const activity = (conversationId: string, text: string) => ({
      type: 'message',
      text,
      channelId: 'msteams',
      serviceUrl: connector.url,
      conversation: { id: conversationId, conversationType: 'personal' },
      from: { id: '29:user', name: 'u' },
      recipient: { id: '28:bot', name: 'bot' },
      id: `act-${randomUUID()}`,
      locale: 'ja-JP',
    });
    const x = `a:${randomUUID()}`;
    const y = `a:${randomUUID()}`;
    for (let i = 0; i < 3; i++) expect((await http(`${s.base}/api/messages`, { body: activity(x, RESTART) })).status).toBe(200);
    const before = connector.calls.length;
    const retryAfter = expect429(await http(`${s.base}/api/messages`, { body: activity(x, MENU.certificate) }));
    expect(connector.calls.length, 'no turn ran for the refused activity').toBe(before);
    expect((await http(`${s.base}/api/messages`, { body: activity(y, MENU.certificate) })).status).toBe(200);
    s.clock.advance(retryAfter * 1000);
    const again = connector.calls.length;
    expect((await http(`${s.base}/api/messages`, { body: activity(x, MENU.certificate) })).status).toBe(200);
    expect(visibleText(connector.since(again, x).at(-1)!.body as CardActivity)).toContain(PHRASES.certPassword);
  });

  it('a malformed activity is refused as before (400), not counted', async () => {
    const res = await http(`${s.base}/api/messages`, { body: { type: 'message', serviceUrl: 5, conversation: { id: 'c' }, channelId: 'msteams' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'BadArgument' } });
  });
});

describe('Slack, per user: the request is still acked with 200; the user is told once, visible to them only', () => {
  let s: Started;
  let api: FakeSlackApi;
  beforeAll(async () => {
    api = new FakeSlackApi();
    await api.start();
    s = await start({
      SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-ratelimitratelimit',
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: api.url,
      RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '2',
    });
  });
  afterAll(async () => {
    await s?.app.close();
    await api?.close();
  });
  afterEach(() => api.reset());

  const until = async <T>(what: string, get: () => T | undefined | false) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = get();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const dm = (user: string, channel: string, text: string) => sendEvent(`${s.base}/slack/events`, eventCallback(imMessage({ user, channel, text }), { teamId: FAKE_TEAM_ID }));

  it('the third message within the refill time runs no turn and gets one ephemeral notice; another user is not affected; it lifts', async () => {
    for (let i = 0; i < 2; i++) expect((await dm('U0LIMIT1', 'D0LIMIT1', RESTART)).status).toBe(200);
    await until('two replies', () => api.callsOf('chat.postMessage').length >= 2);

    expect((await dm('U0LIMIT1', 'D0LIMIT1', MENU.certificate)).status).toBe(200);
    const notice = await until('the notice', () => api.callsOf('chat.postEphemeral')[0]);
    expect(notice.params).toMatchObject({ channel: 'D0LIMIT1', user: 'U0LIMIT1', text: SLACK_RATE_LIMIT_TEXT(30) });
    // Another message over the limit: still acked, no second notice within the minute.
    expect((await dm('U0LIMIT1', 'D0LIMIT1', MENU.certificate)).status).toBe(200);

    expect((await dm('U0LIMIT2', 'D0LIMIT2', MENU.certificate)).status).toBe(200);
    await until('the other user’s reply', () => api.posts().find((p) => p.channel === 'D0LIMIT2'));
    await new Promise((r) => setTimeout(r, 200));
    expect(api.posts().filter((p) => p.channel === 'D0LIMIT1')).toHaveLength(2);
    expect(api.callsOf('chat.postEphemeral')).toHaveLength(1);

    s.clock.advance(30_000);
    expect((await dm('U0LIMIT1', 'D0LIMIT1', MENU.certificate)).status).toBe(200);
    const reply = await until('the reply after the wait', () => api.posts().filter((p) => p.channel === 'D0LIMIT1')[2]);
    expect(reply.text).toContain(PHRASES.certPassword);
  });
});

describe('the limits in the real server process (npm start, state on disk), on the real clock', () => {
  it('the per-address and per-conversation budgets answer 429 with Retry-After; the server goes on serving others', async () => {
    const work = mkdtempSync(join(tmpdir(), 'rate-limit-process-'));
    const server = await startServerProcess(work, { PORT: String(await freePort()), DATA_DIR: join(work, 'data'), DIRECT_LINE_SECRET: TEST_SECRET, RATE_LIMIT_PER_IP_PER_MINUTE: '40', RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
    try {
      // One conversation: three messages fit, the fourth is refused.
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      const post = (text: string) => http(`${client.url}/activities`, { auth: client.session.token, body: { type: 'message', text, from: client.user }, headers: { 'x-forwarded-for': '198.51.100.60' } });
      for (let i = 0; i < 3; i++) expect((await post(MENU.faq)).status).toBe(200);
      expect429(await post(MENU.faq));
      // One address: past its 40 requests a minute, refused on any route; another address is served.
      for (let i = 0; i < 40; i++) await http(`${server.base}/api/handoffs`, { headers: { 'x-forwarded-for': '198.51.100.61' } });
      expect429(await http(`${server.base}/api/handoffs`, { headers: { 'x-forwarded-for': '198.51.100.61' } }));
      expect((await http(`${server.base}/api/handoffs`, { headers: { 'x-forwarded-for': '198.51.100.62' } })).status).toBe(401);
      expect((await http(`${server.base}/healthz`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(work, { recursive: true, force: true });
    }
  });
});

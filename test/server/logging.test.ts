/**
 * Logs of the real server, captured from the real logger (createLogger: its level, its redaction):
 * one access line per request with the request id echoed in x-request-id; no Authorization, token,
 * secret, query string, pasted password or message text in any line, at info and at trace.
 */
import '../support/quietDeprecations';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { MemoryStorage } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { MENU } from '../../src/dialogs/phrases';
import { createLogger, scrubJsonExcerpts } from '../../src/logging';
import { DirectLineClient } from '../support/directLineClient';
import { FakeConnector } from '../support/fakeConnector';
import { FAKE_TEAM_ID, FakeSlackApi } from '../support/fakeSlackApi';
import { http, TEST_SECRET } from '../support/server';
import { eventCallback, imMessage, sendEvent, sendToSlack, TEST_SIGNING_SECRET } from '../support/slackSigning';

const HELPDESK_TOKEN = 'logging-test-helpdesk-token-0123456789';
const BOT_TOKEN = 'xoxb-1111111111-2222222222-loggingloggingloggin';
const PASSWORD = 'Zq9secretPw77';
/** Message text that must never be logged: unique, so any line holding it is found. */
const MESSAGE = `ログに出てはいけない本文-${randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Entry {
  level: number;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  path?: string;
  status?: number;
  ms?: number;
  [key: string]: unknown;
}

async function start(level: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const api = new FakeSlackApi();
  await api.start();
  const connector = await new FakeConnector().start();
  const config = loadConfig(
    { PORT: '3978', DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: HELPDESK_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: api.url },
    '/nonexistent',
  );
  const app = createApp(config, { log: createLogger(level, sink), now: () => new Date('2026-11-19T10:00:00+09:00'), storage: new MemoryStorage() });
  const port = await app.listen(0, '127.0.0.1');
  const entries = () => lines.map((l) => JSON.parse(l) as Entry);
  return { app, api, connector, base: `http://127.0.0.1:${port}`, lines, entries, close: async () => (await app.close(), await api.close(), await connector.stop()) };
}

/** Everything a user or client sends that no log line may hold. */
async function exercise(s: Awaited<ReturnType<typeof start>>) {
  const client = await DirectLineClient.start(s.base, TEST_SECRET);
  await client.say(`パスワードは ${PASSWORD} です`);
  await client.say(MESSAGE);
  // A token in a query string (some clients do), and the token in the header.
  await http(`${client.url}/activities?watermark=0&token=${client.session.token}`, { auth: client.session.token });
  await http(`${s.base}/api/handoffs?status=open`, { auth: HELPDESK_TOKEN });
  await http(`${s.base}/api/handoffs`, { auth: 'wrong-token-that-is-long-enough' });
  await http(`${s.base}/api/messages`, {
    auth: 'not-a-jwt',
    body: { type: 'message', text: MESSAGE, channelId: 'msteams', serviceUrl: s.connector.url, conversation: { id: 'a:log' }, from: { id: '29:u' }, recipient: { id: '28:b' }, id: 'x' },
  });
  await http(`${s.base}/api/messages`, {
    body: { type: 'message', text: `${MESSAGE} pw: ${PASSWORD}`, channelId: 'msteams', serviceUrl: s.connector.url, conversation: { id: 'a:log' }, from: { id: '29:u' }, recipient: { id: '28:b' }, id: 'y' },
  });
  await sendEvent(`${s.base}/slack/events`, eventCallback(imMessage({ user: 'U0LOG', channel: 'D0LOG', text: MESSAGE }), { teamId: FAKE_TEAM_ID }));
  // A signed body that is not JSON: Bolt logs the parse error, which would quote it.
  await sendToSlack(`${s.base}/slack/events`, `${MESSAGE} {`, 'application/json');
  const deadline = Date.now() + 5000;
  while (s.api.callsOf('chat.postMessage').length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  return client;
}

function expectNothingSecret(lines: string[], tokens: string[]) {
  for (const secret of [TEST_SECRET, HELPDESK_TOKEN, BOT_TOKEN, TEST_SIGNING_SECRET, PASSWORD, MESSAGE, ...tokens]) {
    expect(lines.filter((l) => l.includes(secret)).map((l) => l.slice(0, 400)), `a log line holds ${secret.slice(0, 12)}…`).toEqual([]);
  }
  // Ours say [redacted]; the Slack Web API client's debug lines say [[REDACTED]].
  expect(lines.filter((l) => /authorization|bearer/i.test(l) && !/\[redacted\]|\[\[REDACTED\]\]/.test(l)).map((l) => l.slice(0, 300))).toEqual([]);
  expect(lines.filter((l) => l.includes('token=')).map((l) => l.slice(0, 300))).toEqual([]);
}

describe('logs at info (the default)', () => {
  let s: Awaited<ReturnType<typeof start>>;
  let client: DirectLineClient;
  beforeAll(async () => {
    s = await start('info');
    client = await exercise(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('holds no Authorization, token, secret, query string, pasted password or message text', () => {
    expect(s.lines.length).toBeGreaterThan(10);
    expectNothingSecret(s.lines, [client.session.token]);
  });

  it('has one access line per request: method, route, status, duration and the request id, as echoed in x-request-id', async () => {
    const given = await http(`${s.base}/healthz`, { headers: { 'x-request-id': 'ops-check-42' } });
    expect(given.headers.get('x-request-id')).toBe('ops-check-42');
    const generated = await http(`${client.url}/activities?watermark=0`, { auth: client.session.token });
    const id = generated.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    await new Promise((r) => setTimeout(r, 20));

    const access = s.entries().filter((e) => e.msg === 'request');
    expect(access.filter((e) => e.reqId === 'ops-check-42')).toEqual([expect.objectContaining({ level: 30, method: 'GET', route: '/healthz', status: 200, ms: expect.any(Number) })]);
    const line = access.filter((e) => e.reqId === id);
    expect(line).toHaveLength(1);
    // The route pattern, not the URL: neither the conversation id nor the query string.
    expect(line[0]).toMatchObject({ method: 'GET', route: '/v3/directline/conversations/:conversationId/activities', status: 200 });
    expect(line[0]!.path).toBeUndefined();
    expect(JSON.stringify(line[0])).not.toContain('watermark');
    // Every request of the exercise has its line, each with its own id.
    const ids = access.map((e) => e.reqId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('an unrouted request is logged by path, without its query; an insane x-request-id is replaced', async () => {
    const res = await http(`${s.base}/no/such/place?token=abc123secret`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.entries().filter((e) => e.reqId === id)).toEqual([expect.objectContaining({ msg: 'request', method: 'GET', path: '/no/such/place', status: 404 })]);
    expect(s.lines.filter((l) => l.includes('abc123secret'))).toEqual([]);
  });

  it('lines written while handling a request carry its id', async () => {
    // Bad JSON on /api/messages: restify's own handling runs with the request's child logger.
    const res = await http(`${s.base}/api/messages`, { body: '{"type":', headers: { 'x-request-id': 'bad-json-1' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('bad-json-1');
    await new Promise((r) => setTimeout(r, 20));
    expect(s.entries().filter((e) => e.reqId === 'bad-json-1').map((e) => [e.msg, e.status])).toEqual([['request', 400]]);
  });

  it('a turn that fails is logged at error with the id of the request that carried it', async () => {
    // The Teams connector refuses the reply (a bot removed from the team): the turn fails.
    s.connector.respond = () => [403, { error: { code: 'BotNotInConversationRoster', message: 'removed' } }];
    try {
      const res = await http(`${s.base}/api/messages`, {
        headers: { 'x-request-id': 'turn-fails-1' },
        body: { type: 'message', text: 'こんにちは', channelId: 'msteams', serviceUrl: s.connector.url, conversation: { id: 'a:log-fail' }, from: { id: '29:u' }, recipient: { id: '28:b' }, id: 'z' },
      });
      expect(res.status).toBeLessThan(500);
    } finally {
      s.connector.respond = undefined;
    }
    const failed = s.entries().filter((e) => e.msg === 'turn failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.map((e) => e.reqId)).toEqual(failed.map(() => 'turn-fails-1'));
    // Once, not twice: the request's own lines carry it as a binding, the rest through the scope.
    expect(s.lines.filter((l) => l.includes('turn-fails-1')).every((l) => l.split('"reqId"').length === 2)).toBe(true);
  });
});

describe('logs at trace (everything any part logs, Bolt and restify included)', () => {
  it('still hold no Authorization, token, secret, pasted password or user message text', async () => {
    const s = await start('trace');
    try {
      const client = await exercise(s);
      expect(s.lines.some((l) => (JSON.parse(l) as Entry).level === 10), 'trace lines were written').toBe(true);
      // The Slack Web API client's request bodies (the bot's messages, ticket transcripts) are cut.
      const bodies = s.entries().filter((e) => typeof e.msg === 'string' && e.msg.startsWith('http request body:'));
      expect(bodies.length).toBeGreaterThan(0);
      // The first is auth.test at start-up, outside any request; the replies' calls are made by the turn
      // after Slack's ack, and still name the request.
      const [startUp, ...replies] = bodies;
      expect(startUp!.reqId).toBeUndefined();
      expect(replies.length).toBeGreaterThan(0);
      expect(replies.map((e) => typeof e.reqId)).toEqual(replies.map(() => 'string'));
      for (const e of bodies) expect(e.msg).toMatch(/^http request body: \(payload omitted, \d+ chars\)$/);
      expect(s.lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
      expect(s.lines.filter((l) => l.includes(MESSAGE)).map((l) => l.slice(0, 300))).toEqual([]);
      expectNothingSecret(s.lines, [client.session.token]);
    } finally {
      await s.close();
    }
  });
});

describe('LOG_LEVEL', () => {
  it('sets the level of the logger the app makes', async () => {
    const app = createApp(loadConfig({ LOG_LEVEL: 'warn', DIRECT_LINE_SECRET: TEST_SECRET }, '/nonexistent'), { storage: new MemoryStorage() });
    try {
      expect(app.log.level).toBe('warn');
    } finally {
      await app.close().catch(() => undefined);
    }
  });

  it('a JSON parse error loses its excerpt of the input', () => {
    let message = '';
    try {
      JSON.parse(`${MENU.certificate}のパスワードは ${PASSWORD}`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(MENU.certificate.slice(0, 3));
    expect(scrubJsonExcerpts(`Malformed request body: ${message}`)).toBe('Malformed request body: Unexpected token (excerpt removed) is not valid JSON');
  });
});

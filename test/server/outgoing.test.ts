/**
 * Outgoing calls: the Bot Framework connector and the Slack Web API give each attempt a timeout and
 * retry timeouts, network errors, 408/429/5xx with backoff, a bounded number of times; other errors
 * are final. The policy on its own (fake `next`), then the real server against local services that
 * fail or stall on purpose.
 */
import '../support/quietDeprecations';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MemoryStorage } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { MENU } from '../../src/dialogs/phrases';
import { createLogger } from '../../src/logging';
import { backoffMs, BoundedBotFrameworkAuthentication, boundedRetryPolicy, CONNECTOR_RETRY_POLICY, slackClientOptions, type OutgoingPolicy } from '../../src/server/outgoing';
import { FakeConnector } from '../support/fakeConnector';
import { http, TEST_SECRET } from '../support/server';
import { eventCallback, imMessage, sendEvent, TEST_SIGNING_SECRET } from '../support/slackSigning';

const POLICY: Required<OutgoingPolicy> = { timeoutMs: 200, retries: 2, baseDelayMs: 1, maxDelayMs: 50 };
const request = () => ({ url: 'http://127.0.0.1/', method: 'POST', timeout: 0 }) as { url: string; method: string; timeout: number; abortSignal?: { aborted: boolean } };
const response = (status: number, headers: Record<string, string> = {}) => ({ status, headers: { get: (name: string) => headers[name.toLowerCase()] } });
const failure = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

describe('the connector retry policy', () => {
  it('gives every attempt the timeout and retries 5xx up to the limit, then returns the last answer', async () => {
    const seen: number[] = [];
    const next = async (r: { timeout: number }) => (seen.push(r.timeout), response(503));
    const res = await boundedRetryPolicy(POLICY).sendRequest(request(), next);
    expect(res.status).toBe(503);
    expect(seen).toEqual([200, 200, 200]);
  });

  it('stops at the first success, and retries 408 and 429', async () => {
    const answers = [408, 429, 200];
    let calls = 0;
    const res = await boundedRetryPolicy(POLICY).sendRequest(request(), async () => response(answers[calls++]!));
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
  });

  it('does not retry a 4xx answer', async () => {
    let calls = 0;
    const res = await boundedRetryPolicy(POLICY).sendRequest(request(), async () => (calls++, response(400)));
    expect(res.status).toBe(400);
    expect(calls).toBe(1);
  });

  it('retries a timeout (AbortError) and connection errors, not a DNS failure or an unknown error', async () => {
    for (const error of [failure({ name: 'AbortError' }), failure({ code: 'ECONNREFUSED' }), failure({ code: 'ECONNRESET' })]) {
      let calls = 0;
      await expect(boundedRetryPolicy(POLICY).sendRequest(request(), async () => (calls++, Promise.reject(error)))).rejects.toBe(error);
      expect(calls).toBe(3);
    }
    for (const error of [failure({ code: 'ENOTFOUND' }), new TypeError('bug')]) {
      let calls = 0;
      await expect(boundedRetryPolicy(POLICY).sendRequest(request(), async () => (calls++, Promise.reject(error)))).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it('does not retry once the caller has aborted', async () => {
    const r = { ...request(), abortSignal: { aborted: true } };
    let calls = 0;
    await expect(boundedRetryPolicy(POLICY).sendRequest(r, async () => (calls++, Promise.reject(failure({ name: 'AbortError' }))))).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('waits for Retry-After, but never longer than maxDelayMs', async () => {
    const times: number[] = [];
    const run = (retryAfter: string) =>
      boundedRetryPolicy({ ...POLICY, retries: 1 }).sendRequest(request(), async () => (times.push(performance.now()), times.length % 2 ? response(429, { 'retry-after': retryAfter }) : response(200)));
    await run('0.04');
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35);
    await run('3600');
    expect(times[3]! - times[2]!).toBeLessThan(500);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { timeoutMs: 1, retries: 5, baseDelayMs: 500, maxDelayMs: 8000 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(p, n, () => 1))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect([0, 1, 2].map((n) => backoffMs(p, n, () => 0))).toEqual([250, 500, 1000]);
  });

  it('replaces the library’s default retry policy in every connector client: a turn’s, and proactive ones', async () => {
    const auth = new BoundedBotFrameworkAuthentication({}, POLICY);
    const turn = await auth.authenticateRequest({ type: 'message', channelId: 'msteams', serviceUrl: 'http://127.0.0.1:1/' } as never, '');
    const policies = async (factory: { create(url: string, audience?: string): Promise<unknown> }) =>
      ((await factory.create('http://127.0.0.1:1/', undefined)) as { client: { pipeline: { getOrderedPolicies(): Array<{ name: string }> } } }).client.pipeline.getOrderedPolicies().map((p) => p.name);
    for (const names of [await policies(turn.connectorFactory!), await policies(auth.createConnectorFactory(turn.claimsIdentity))]) {
      expect(names).toContain(CONNECTOR_RETRY_POLICY);
      expect(names).not.toContain('defaultRetryPolicy');
    }
  });

  it('keeps one connector client per bot and service URL: another turn reuses it, another bot or URL gets its own', async () => {
    const auth = new BoundedBotFrameworkAuthentication({}, POLICY);
    const url = 'http://127.0.0.1:1/';
    const turn = async () => (await auth.authenticateRequest({ type: 'message', channelId: 'msteams', serviceUrl: url } as never, '')).connectorFactory!;
    const first = await (await turn()).create(url, undefined);
    expect(await (await turn()).create(url, undefined)).toBe(first);
    expect(await (await turn()).create('http://127.0.0.1:2/', undefined)).not.toBe(first);
    const claims = (await auth.authenticateRequest({ type: 'message', channelId: 'msteams', serviceUrl: url } as never, '')).claimsIdentity;
    const otherBot = new (claims.constructor as new (list: Array<{ type: string; value: string }>, authenticated: boolean) => typeof claims)([{ type: 'aud', value: 'another-bot' }], true);
    expect(await auth.createConnectorFactory(otherBot).create(url, undefined)).not.toBe(first);
  });

  it('Slack Web API options: timeout and a short retry policy instead of ten retries in thirty minutes', () => {
    expect(slackClientOptions({ timeoutMs: 10_000, retries: 2, baseDelayMs: 500, maxDelayMs: 8000 })).toEqual({
      timeout: 10_000,
      retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 8000, randomize: true },
    });
  });
});

/** A local HTTP service whose answers the test decides, one call at a time. */
class ScriptedService {
  readonly calls: Array<{ method: string; url: string; at: number }> = [];
  private server?: Server;
  url = '';
  constructor(private readonly answer: (call: { method: string; url: string; n: number }, res: ServerResponse) => void) {}

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        this.calls.push({ method: req.method ?? '', url: req.url ?? '', at: performance.now() });
        this.answer({ method: req.method ?? '', url: req.url ?? '', n: this.calls.length }, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function startApp(env: Record<string, string>): Promise<{ app: App; base: string }> {
  const config = loadConfig({ PORT: '3978', DIRECT_LINE_SECRET: TEST_SECRET, OUTGOING_TIMEOUT_MS: '300', OUTGOING_RETRIES: '2', ...env }, '/nonexistent');
  const app = createApp(config, { log: createLogger('silent'), now: () => new Date('2026-11-19T10:00:00+09:00'), storage: new MemoryStorage() });
  const port = await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}` };
}

describe('Bot Framework connector calls of the real server', () => {
  let app: { app: App; base: string };
  const services: Array<{ stop(): Promise<void> }> = [];
  beforeAll(async () => {
    app = await startApp({});
  });
  afterAll(async () => {
    await app?.app.close();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
  });

  const greet = (serviceUrl: string) =>
    http(`${app.base}/api/messages`, {
      body: { type: 'message', text: MENU.certificate, channelId: 'msteams', serviceUrl, conversation: { id: `a:${randomUUID()}` }, from: { id: '29:u' }, recipient: { id: '28:b' }, id: 'act-1', locale: 'ja-JP' },
    });

  it('a reply the connector answers with 503 is sent again, after a backoff, and arrives', async () => {
    const connector = await new FakeConnector().start();
    services.push(connector);
    let failures = 1;
    connector.respond = () => (failures-- > 0 ? [503, { error: { code: 'ServiceUnavailable' } }] : undefined);
    expect((await greet(connector.url)).status).toBe(200);
    expect(connector.calls).toHaveLength(2);
    expect(connector.calls[1]!.body).toEqual(connector.calls[0]!.body);
  });

  it('a connector that does not answer is given up on after the timeout, and tried again', async () => {
    const stalling = await new ScriptedService((call, res) => (call.n === 1 ? undefined : json(res, 200, { id: 'reply-1' }))).start();
    services.push(stalling);
    const started = performance.now();
    expect((await greet(stalling.url)).status).toBe(200);
    expect(stalling.calls).toHaveLength(2);
    expect(stalling.calls[1]!.at - stalling.calls[0]!.at).toBeGreaterThanOrEqual(280);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a connector that keeps failing is tried 1 + OUTGOING_RETRIES times per send, and the turn ends (200)', async () => {
    const failing = await new ScriptedService((_call, res) => json(res, 500, {})).start();
    services.push(failing);
    expect((await greet(failing.url)).status).toBe(200);
    // The reply, then the turn-error message: three attempts each.
    expect(failing.calls).toHaveLength(6);
  });

  it('a 403 (the bot is not in the team) is not retried', async () => {
    const refusing = await new ScriptedService((_call, res) => json(res, 403, { error: { code: 'BotNotInConversationRoster' } })).start();
    services.push(refusing);
    expect((await greet(refusing.url)).status).toBe(200);
    expect(refusing.calls).toHaveLength(2);
  });
});

describe('Slack Web API calls of the real server', () => {
  it('a chat.postMessage that fails with 500 or stalls is retried with backoff, and the reply arrives once', async () => {
    const posts: number[] = [];
    const slack = await new ScriptedService((call, res) => {
      if (!call.url.includes('chat.postMessage')) return json(res, 200, { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0HELPDESK' });
      posts.push(call.n);
      if (posts.length === 1) return json(res, 500, { ok: false });
      if (posts.length === 2) return; // stalls past the timeout
      return json(res, 200, { ok: true, ts: '1800000000.000100', channel: 'D0OUT' });
    }).start();
    const app = await startApp({ SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-outgoingoutgoingout', SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: `${slack.url}/api/` });
    try {
      const res = await sendEvent(`${app.base}/slack/events`, eventCallback(imMessage({ user: 'U0OUT', channel: 'D0OUT', text: MENU.certificate }), { teamId: 'T0HELPDESK' }));
      expect(res.status).toBe(200);
      const deadline = Date.now() + 10_000;
      while (posts.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(posts).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(posts).toHaveLength(3);
    } finally {
      await app.app.close();
      await slack.stop();
    }
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MENU, PHRASES } from '../../src/dialogs/phrases';
import { DirectLineJsClient, textOf, type ReceivedActivity } from '../support/directLineJs';
import { cardTexts, http, startApp, TEST_SECRET, visibleText, type CardActivity, type RunningApp } from '../support/server';
import { until } from '../support/until';

// Microsoft's Direct Line client (botframework-directlinejs, what Web Chat runs) against the real
// server, streaming over a WebSocket (Web Chat's default) and polling, as a vendor's page uses it:
// the vendor's backend gets a token with the secret, the client does the rest.

const BOT_ID = 'careplan-helpdesk-bot';
/** Short, so that the test outlives the first token; the client refreshes every 15 of its warped minutes (3.75 s). */
const TOKEN_SECONDS = 8;

const fromBot = (a: ReceivedActivity) => a.from?.id === BOT_ID;
const shown = (a: ReceivedActivity) => visibleText(a as unknown as CardActivity) || cardTexts(a as unknown as CardActivity).join('\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The conversation's activity ids as the service keeps them (read with the secret). */
async function transcript(base: string, conversationId: string): Promise<string[]> {
  const res = await http<{ activities: ReceivedActivity[] }>(`${base}/v3/directline/conversations/${conversationId}/activities`, { auth: TEST_SECRET });
  expect(res.status).toBe(200);
  return res.json.activities.map((a) => a.id);
}

/** The activity ids the client's sockets received, in order (empty messages are keep-alives). */
const idsOverSockets = (client: DirectLineJsClient) =>
  client.sockets.flatMap((s) => s.frames.filter((frame) => frame !== '').flatMap((frame) => (JSON.parse(frame) as { activities: Array<{ id: string }> }).activities.map((a) => a.id)));

describe.each([
  { mode: 'streaming', webSocket: true },
  { mode: 'polling', webSocket: false },
])('botframework-directlinejs, $mode', ({ webSocket }) => {
  let server: RunningApp;
  const clients: DirectLineJsClient[] = [];

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET }, undefined, { directLine: { tokenLifetimeSeconds: TOKEN_SECONDS } });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.end();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** What a vendor's page does: a token from its backend (tokens/generate with the secret), then the client. */
  async function connect(): Promise<DirectLineJsClient> {
    const generated = await http<{ token: string }>(`${server.base}/v3/directline/tokens/generate`, { method: 'POST', auth: TEST_SECRET });
    expect(generated.status).toBe(200);
    const client = new DirectLineJsClient(server.base, generated.json.token, { webSocket });
    clients.push(client);
    return client;
  }

  it('starts, is greeted with the menu, sends a message and receives its own message and the reply', async () => {
    const client = await connect();
    const welcome = await client.waitFor('the welcome', fromBot);
    expect(shown(welcome)).toContain(PHRASES.welcome);

    const id = await client.say(MENU.certificate);
    const reply = await client.waitFor('the password question', (a) => fromBot(a) && shown(a).includes(PHRASES.certPassword));
    const own = client.activities.find((a) => a.id === id);
    expect(own && textOf(own)).toBe(MENU.certificate);
    expect(own?.from?.id).toBe(client.user);
    // In order, each once: welcome, the user's own message, the reply.
    expect(client.activities.map((a) => a.id)).toEqual([welcome.id, id, reply.id]);
    const conversationId = id.split('|')[0]!;
    expect(await transcript(server.base, conversationId)).toEqual([welcome.id, id, reply.id]);

    if (webSocket) {
      // Everything came over one socket, opened on the streamUrl of this conversation.
      expect(client.sockets).toHaveLength(1);
      const [socket] = client.sockets;
      expect(socket!.url.protocol).toBe('ws:');
      expect(socket!.url.host).toBe(new URL(server.base).host);
      expect(socket!.url.pathname).toBe(`/v3/directline/conversations/${conversationId}/stream`);
      expect(idsOverSockets(client)).toEqual([welcome.id, id, reply.id]);
    } else {
      expect(client.sockets).toEqual([]);
    }
  });

  it('a page reloaded with its conversation and watermark resumes after it: what came meanwhile arrives, nothing twice', async () => {
    const client = await connect();
    const welcome = await client.waitFor('the welcome', fromBot);
    const first = await client.say(MENU.certificate);
    await client.waitFor('the password question', (a) => fromBot(a) && shown(a).includes(PHRASES.certPassword));
    const conversationId = first.split('|')[0]!;
    const seen = client.activities.length;
    const watermark = String(seen - 1);
    const token = (await http<{ token: string }>(`${server.base}/v3/directline/tokens/refresh`, { method: 'POST', auth: client.token })).json.token;
    client.end();

    // While the page is away, the user's message from another tab and its reply.
    await http(`${server.base}/v3/directline/conversations/${conversationId}/activities`, { auth: token, body: { type: 'message', text: MENU.error, from: { id: client.user } } });
    const all = await transcript(server.base, conversationId);
    expect(all.length).toBeGreaterThan(seen + 1);

    // Web Chat's resume: the same conversation from the watermark the page kept (GET conversations/{id}?watermark=N).
    const resumed = new DirectLineJsClient(server.base, token, { webSocket, conversationId, watermark });
    clients.push(resumed);
    await until('the activities after the watermark', () => resumed.activities.length >= all.length - seen);
    await sleep(300);
    expect(resumed.activities.map((a) => a.id)).toEqual(all.slice(seen));
    expect(all[0]).toBe(welcome.id);
    if (webSocket) {
      expect(resumed.sockets).toHaveLength(1);
      expect(resumed.sockets[0]!.url.searchParams.get('watermark')).toBe(watermark);
      expect(idsOverSockets(resumed)).toEqual(all.slice(seen));
    }
  });

  it('outlives its first token: the client refreshes it (tokens/refresh) and the chat goes on', { timeout: 30_000 }, async () => {
    const client = await connect();
    await client.waitFor('the welcome', fromBot);
    // Past the first token's expiry (the client refreshed twice meanwhile).
    await sleep(TOKEN_SECONDS * 1000 + 2000);

    const id = await client.say(MENU.certificate);
    await client.waitFor('the password question after the first token expired', (a) => fromBot(a) && a.id > id && shown(a).includes(PHRASES.certPassword));
    expect(client.online).toBe(true);
    expect(client.errors).toEqual([]);
    // Streaming: the socket was never closed for the expiry; it lasts as long as the refreshed token.
    if (webSocket) expect(client.sockets.map((s) => s.closed)).toEqual([false]);
  });
});

describe('botframework-directlinejs, streaming, when the network drops', () => {
  let server: RunningApp;
  const clients: DirectLineJsClient[] = [];

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET });
  });
  afterAll(async () => {
    for (const client of clients) client.end();
    await server?.close();
  });

  it('a dropped socket is reconnected from its watermark: what was lost in flight arrives, nothing twice', async () => {
    const generated = await http<{ token: string }>(`${server.base}/v3/directline/tokens/generate`, { method: 'POST', auth: TEST_SECRET });
    const client = new DirectLineJsClient(server.base, generated.json.token, { webSocket: true });
    clients.push(client);
    const welcome = await client.waitFor('the welcome', fromBot);
    const first = await client.say(MENU.certificate);
    await client.waitFor('the password question', (a) => fromBot(a) && shown(a).includes(PHRASES.certPassword));
    const before = client.activities.map((a) => a.id);
    const conversationId = first.split('|')[0]!;

    // The network stalls: the user's next message (plain HTTP) and the bot's reply are sent over the
    // socket but never read...
    client.sockets[0]!.stall();
    const second = await client.say(MENU.error);
    let all = await transcript(server.base, conversationId);
    for (const deadline = Date.now() + 5000; !all.some((id) => id > second) && Date.now() < deadline; all = await transcript(server.base, conversationId)) await sleep(20);
    expect(all.at(-1)! > second, 'the reply is stored').toBe(true);
    expect(client.activities.map((a) => a.id)).toEqual(before);
    // ...and then drops, taking what was in flight with it.
    client.sockets[0]!.drop();

    await client.waitFor('the reply to the message lost in flight', (a) => fromBot(a) && a.id > second);
    expect(client.sockets.length).toBe(2);
    // The new socket resumed after the last activity the old one delivered.
    expect(client.sockets[1]!.url.searchParams.get('watermark')).toBe(String(before.length - 1));
    await until('every activity of the conversation delivered', () => client.activities.length >= all.length);
    await sleep(200);
    expect(client.activities.map((a) => a.id)).toEqual(all);
    expect(all[0]).toBe(welcome.id);
    expect(all).toContain(second);
    expect(idsOverSockets(client)).toEqual(all);
  });
});

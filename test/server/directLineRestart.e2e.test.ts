import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConnectionStatus } from 'botframework-directlinejs';
import { MENU, PHRASES } from '../../src/dialogs/phrases';
import { DirectLineJsClient, type ClientSocket, type ReceivedActivity } from '../support/directLineJs';
import { cardTexts, http, visibleText, type CardActivity } from '../support/server';
import { freePort, startServerProcess, type ServerProcess } from '../support/serverProcess';
import { until } from '../support/until';

// Microsoft's Direct Line client, streaming, against the real server (src/main.ts) in a child
// process that is killed (-9) or stopped (SIGTERM) with the socket open and started again on the
// same port and DATA_DIR. Default settings: the embedded store on disk, and no DIRECT_LINE_SECRET,
// so the tokens are signed with the secret the server generated and kept beside its state. The
// client must reconnect by itself (GET conversations/{id}?watermark=N, then a new socket) and, in
// the end, hold exactly what the server stored: no gap, nothing twice.

const BOT_ID = 'careplan-helpdesk-bot';
const START_TIMEOUT_MS = 20_000;
/**
 * The client's clock, sped up less than elsewhere: it retries a failed reconnect every 20 s for
 * 15 minutes, then gives up for good; at 60× that is 0.33 s for 15 s, which outlasts a restart.
 */
const TIME_WARP = 60;

const work = mkdtempSync(join(tmpdir(), 'dl-restart-test-'));
const children: ChildProcess[] = [];
const clients: DirectLineJsClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.end();
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(work, env, START_TIMEOUT_MS);
  children.push(server.child);
  return server;
}

const fromBot = (a: ReceivedActivity) => a.from?.id === BOT_ID;
const shown = (a: ReceivedActivity) => visibleText(a as unknown as CardActivity) || cardTexts(a as unknown as CardActivity).join('\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seqOf = (id: string) => Number(id.split('|')[1]);

/** What the page does: a token from the server's own token endpoint (no secret), then the client. */
async function chat(base: string): Promise<DirectLineJsClient> {
  const res = await http<{ token: string }>(`${base}/api/webchat/token`, { method: 'POST', headers: { origin: base } });
  expect(res.status).toBe(200);
  const client = new DirectLineJsClient(base, res.json.token, { webSocket: true, timeWarp: TIME_WARP });
  clients.push(client);
  return client;
}

/** The conversation as the server stored it, read by polling with the client's current token. */
async function stored(base: string, client: DirectLineJsClient, conversationId: string): Promise<string[]> {
  const res = await http<{ activities: ReceivedActivity[] }>(`${base}/v3/directline/conversations/${conversationId}/activities`, { auth: client.token });
  expect(res.status).toBe(200);
  return res.json.activities.map((a) => a.id);
}

/** Waits until the client has opened its `n`th socket and it is open. */
const nthSocketOpen = (client: DirectLineJsClient, n: number, timeoutMs: number) =>
  until(
    () => `socket ${n} open; sockets ${client.sockets.length}, statuses ${client.statuses.join(',')}`,
    () => client.sockets.length >= n && client.sockets[n - 1]!.socket.readyState === WebSocket.OPEN,
    timeoutMs,
  );

/** The activity ids one socket carried, in order (empty messages are keep-alives). */
const idsOver = (socket: ClientSocket) => socket.frames.filter((frame) => frame !== '').flatMap((frame) => (JSON.parse(frame) as { activities: Array<{ id: string }> }).activities.map((a) => a.id));

/** Everything it received equals what was stored: in order, each once, numbered without a gap. */
function expectNoGapNoDuplicate(received: ReceivedActivity[], all: string[]): void {
  const ids = received.map((a) => a.id);
  expect(ids).toEqual(all);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.map(seqOf)).toEqual(ids.map((_, i) => i));
}

describe('Direct Line streaming across a server restart (real process, state on disk, botframework-directlinejs)', () => {
  it('kill -9 with the socket open and a reply still in flight: the client reconnects from its watermark by itself and misses nothing, repeats nothing', { timeout: 60_000 }, async () => {
    const env = { PORT: String(await freePort()), DATA_DIR: join(work, 'kill') };
    let server = await start(env);
    const client = await chat(server.base);
    const welcome = await client.waitFor('the welcome', fromBot);
    const first = await client.say(MENU.certificate);
    await client.waitFor('the password question', (a) => fromBot(a) && a.id > first && shown(a).includes(PHRASES.certPassword));
    const conversationId = first.split('|')[0]!;

    // The network stalls: the next message and its reply are stored and sent, but never read...
    client.sockets[0]!.stall();
    const second = await client.say(MENU.error);
    let all = await stored(server.base, client, conversationId);
    for (const deadline = Date.now() + 5000; !all.some((id) => id > second) && Date.now() < deadline; ) {
      await sleep(20);
      all = await stored(server.base, client, conversationId);
    }
    expect(all.at(-1)! > second, 'the reply is stored').toBe(true);
    const delivered = client.activities.map((a) => a.id);
    expect(all.slice(0, delivered.length)).toEqual(delivered);

    // ...when the server dies, taking what was in flight with it.
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    client.sockets[0]!.drop();
    // Nothing listens: its requests for a new streamUrl fail, and it keeps trying.
    await sleep(500);
    expect(client.sockets).toHaveLength(1);

    server = await start(env);
    await nthSocketOpen(client, 2, 15_000);
    // It resumed after the last activity it had received, through GET conversations/{id}?watermark=N.
    expect(client.sockets[1]!.url.searchParams.get('watermark')).toBe(String(delivered.length - 1));
    await client.waitFor('the reply that was in flight at the kill', (a) => fromBot(a) && a.id > second);

    // The chat goes on with the token issued before the kill.
    const third = await client.say(MENU.certificate);
    await client.waitFor('a reply after the restart', (a) => fromBot(a) && a.id > third);
    all = await stored(server.base, client, conversationId);
    await until('every stored activity delivered', () => client.activities.length >= all.length);
    await sleep(200);
    expect(all[0]).toBe(welcome.id);
    expect(all).toContain(third);
    expectNoGapNoDuplicate(client.activities, all);
    expect(client.sockets).toHaveLength(2);
    // The new socket carried exactly what the old one had not delivered, and what came since.
    expect(idsOver(client.sockets[1]!)).toEqual(all.slice(delivered.length));
    expect(client.online).toBe(true);
    expect(client.statuses).not.toContain(ConnectionStatus.FailedToConnect);
    expect(client.errors).toEqual([]);
  });

  it('SIGTERM with the socket open and a turn in flight: the turn finishes, the socket is closed as "going away", the client reconnects and misses nothing', { timeout: 60_000 }, async () => {
    const env = { PORT: String(await freePort()), DATA_DIR: join(work, 'term') };
    let server = await start(env);
    const client = await chat(server.base);
    await client.waitFor('the welcome', fromBot);
    const first = await client.say(MENU.certificate);
    await client.waitFor('the password question', (a) => fromBot(a) && a.id > first && shown(a).includes(PHRASES.certPassword));
    const conversationId = first.split('|')[0]!;
    const closed = new Promise<{ code: number; received: number }>((resolve) => client.sockets[0]!.socket.once('close', (code) => resolve({ code, received: client.activities.length })));

    // A message whose turn is under way when the server is told to stop.
    const before = (await stored(server.base, client, conversationId)).length;
    const sent = client.say(MENU.error);
    // Stored first, then its turn runs: the stop comes once the message is in.
    for (const deadline = Date.now() + 5000; (await stored(server.base, client, conversationId)).length === before && Date.now() < deadline; ) await sleep(2);
    server.child.kill('SIGTERM');
    const second = await sent;
    expect(second).toMatch(new RegExp(`^${conversationId}\\|`));
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const { code, received } = await closed;
    expect(code).toBe(1001);

    server = await start(env);
    await nthSocketOpen(client, 2, 15_000);
    expect(client.sockets[1]!.url.searchParams.get('watermark')).toBe(String(received - 1));
    await client.waitFor('the reply to the message sent as the server stopped', (a) => fromBot(a) && a.id > second);

    const third = await client.say(MENU.certificate);
    await client.waitFor('a reply after the restart', (a) => fromBot(a) && a.id > third);
    const all = await stored(server.base, client, conversationId);
    await until('every stored activity delivered', () => client.activities.length >= all.length);
    await sleep(200);
    expectNoGapNoDuplicate(client.activities, all);
    expect(client.sockets).toHaveLength(2);
    expect(idsOver(client.sockets[1]!)).toEqual(all.slice(received));
    expect(client.online).toBe(true);
    expect(client.errors).toEqual([]);
    server.child.kill('SIGTERM');
    await server.exited;
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import '../support/quietDeprecations';
import { createApp, type App } from '../../src/app';
import { TURN_ERROR_TEXT } from '../../src/channels/channel';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { DirectLineClient, type DirectLineActivity } from '../support/directLineClient';
import { buttonData, buttons, http, visibleText } from '../support/server';
import { freePort, startServerProcess, type ServerProcess } from '../support/serverProcess';
import { deleteRedisKeys } from '../support/redisKeys';
import { until } from '../support/until';

// Two real servers (src/main.ts, as `npm start` runs it) in child processes, on different ports and
// DATA_DIRs, with the same REDIS_URL, Direct Line secret and helpdesk API token: two instances
// behind a load balancer. A Direct Line client moves between them within one conversation.

const REDIS_TEST_URL = process.env.REDIS_TEST_URL;
const SKIPPED = REDIS_TEST_URL ? '' : ' — skipped: no REDIS_TEST_URL and no redis-server installed';

const SECRET = 'scale-out-test-direct-line-secret-0123456789';
const API_TOKEN = 'scale-out-test-helpdesk-token-0123';
const BOT_ID = 'careplan-helpdesk-bot';
const START_TIMEOUT_MS = 30_000;
const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/;
/** This file's keys in the shared Redis, removed at the end. */
const PREFIX = `test:scaleout-${randomBytes(4).toString('hex')}:`;

const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;



const start = (cwd: string, env: Record<string, string>) => startServerProcess(cwd, env, START_TIMEOUT_MS);

/** The whole conversation (no watermark), as one server sees it. */
async function everything(base: string, client: DirectLineClient): Promise<DirectLineActivity[]> {
  const res = await http<{ activities: DirectLineActivity[] }>(`${base}/v3/directline/conversations/${client.session.conversationId}/activities`, { auth: client.session.token });
  expect(res.status, res.text).toBe(200);
  return res.json.activities;
}

describe.skipIf(!REDIS_TEST_URL)(`two server processes on one Redis${SKIPPED}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'scale-out-test-'));
  let a: ServerProcess;
  let b: ServerProcess;

  const api = <T>(server: ServerProcess, method: 'GET' | 'POST', path: string, body?: unknown) => http<T>(`${server.base}/api/handoffs${path}`, { method, auth: API_TOKEN, body });

  beforeAll(async () => {
    const env = { REDIS_URL: REDIS_TEST_URL!, REDIS_KEY_PREFIX: PREFIX, DIRECT_LINE_SECRET: SECRET, HELPDESK_API_TOKEN: API_TOKEN };
    const [portA, portB] = [await freePort(), await freePort()];
    [a, b] = await Promise.all([
      start(work, { ...env, PORT: String(portA), DATA_DIR: join(work, 'a') }),
      start(work, { ...env, PORT: String(portB), DATA_DIR: join(work, 'b') }),
    ]);
  }, 2 * START_TIMEOUT_MS);

  afterAll(async () => {
    for (const server of [a, b]) {
      if (!server || server.child.exitCode !== null || server.child.signalCode !== null) continue;
      server.child.kill('SIGTERM');
      const stopped = await Promise.race([server.exited, new Promise((done) => setTimeout(() => done('still running'), 10_000))]);
      if (stopped === 'still running') server.child.kill('SIGKILL');
      else expect(stopped, server.output()).toEqual({ code: 0, signal: null });
    }
    await deleteRedisKeys(REDIS_TEST_URL!, PREFIX);
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('a conversation started on A continues on B at the same step; a ticket opened through A is seen and taken through B', async () => {
    // On A: the certificate dialog up to the login question.
    const onA = await DirectLineClient.start(a.base, SECRET);
    const [welcome] = await onA.poll();
    expect(buttons(welcome!)).toEqual(Object.values(MENU));
    let turn = await onA.say(MENU.certificate);
    expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
    turn = await onA.click(buttonData(turn[1]!, CHOICES.certPassword.have));
    expect(visibleText(turn[1]!)).toContain(PHRASES.certLogin);

    // On B, the same token and watermark: nothing new, the same conversation, and the next step.
    const onB = new DirectLineClient(b.base, onA.session, onA.user);
    onB.watermark = onA.watermark;
    expect(await onB.poll()).toEqual([]);
    expect(await everything(b.base, onA)).toEqual(await everything(a.base, onA));
    turn = await onB.say(CHOICES.login.yes);
    expect(turn[0]).toMatchObject({ text: CHOICES.login.yes, from: { id: onA.user.id } });
    expect(visibleText(turn[1]!)).toContain(PHRASES.certHistory);
    expect(buttons(turn[1]!)).toEqual(Object.values(CHOICES.history));

    // Back on A: 担当者 opens a ticket, whose transcript holds the turn B served.
    onA.watermark = onB.watermark;
    turn = await onA.say('担当者');
    const id = OPENED.exec(turn.filter(fromBot).map(visibleText).join('\n'))?.[1];
    expect(id, turn.map(visibleText).join('\n')).toBeDefined();

    const seen = await api<HandoffTicket>(b, 'GET', `/${id}`);
    expect(seen.status, seen.text).toBe(200);
    expect(seen.json).toMatchObject({ id, status: 'waiting', channel: 'directline', conversation: { conversation: { id: onA.session.conversationId } } });
    expect(seen.json.transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual([MENU.certificate, CHOICES.certPassword.have, CHOICES.login.yes, '担当者']);
    expect((await api<{ tickets: HandoffTicket[] }>(b, 'GET', '?status=waiting')).json.tickets.map((t) => t.id)).toContain(id);

    // An agent takes it through B: A's API agrees, and the user (polling A) is told by B's send.
    const taken = await api<HandoffTicket>(b, 'POST', `/${id}/take`, { agent: '山田' });
    expect(taken.status, taken.text).toBe(200);
    expect(taken.json).toMatchObject({ id, status: 'in-progress', agent: '山田' });
    expect((await api<HandoffTicket>(a, 'GET', `/${id}`)).json).toMatchObject({ status: 'in-progress', agent: '山田' });
    expect((await onA.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.taken('山田')]);
    // Taken twice (through A now) is refused: the take on B was stored.
    expect((await api(a, 'POST', `/${id}/take`, { agent: '佐藤' })).status).toBe(409);

    // The user writes on B: relayed to the agent, visible through A's API.
    await onB.post({ type: 'message', text: '証明書の画面が出ません' });
    expect((await api<HandoffTicket>(a, 'GET', `/${id}`)).json.transcript.at(-1)).toMatchObject({ from: 'user', text: '証明書の画面が出ません' });
  }, 60_000);

  it('messages posted to one conversation on A and B at the same time are all processed, none lost', async () => {
    const onA = await DirectLineClient.start(a.base, SECRET);
    await onA.poll();
    const onB = new DirectLineClient(b.base, onA.session, onA.user);
    // Menu choices: each starts its topic afresh, whatever the turn before it did, and is answered.
    const topics = [MENU.certificate, MENU.id, MENU.error, MENU.gettingStarted, MENU.faq, MENU.certificate, MENU.id, MENU.error];
    const posted: Array<{ id: string; text: string }> = [];
    for (let i = 0; i < topics.length; i += 2) {
      const [onAText, onBText] = [topics[i]!, topics[i + 1]!];
      const [onAId, onBId] = await Promise.all([onA.post({ type: 'message', text: onAText }), onB.post({ type: 'message', text: onBText })]);
      posted.push({ id: onAId, text: onAText }, { id: onBId, text: onBText });
    }

    const all = await everything(a.base, onA);
    expect(await everything(b.base, onA)).toEqual(all);
    // One numbering, no gaps, no duplicates: the welcome, then every message and every reply.
    const seqs = all.map((activity) => Number(activity.id.split('|')[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i));
    // Every message is there, with its text, and was answered (no error reply anywhere).
    for (const { id, text } of posted) {
      expect(all.find((activity) => activity.id === id)).toMatchObject({ type: 'message', text, from: { id: onA.user.id } });
      expect(all.filter((activity) => fromBot(activity) && (activity as { replyToId?: string }).replyToId === id).length, `replies to ${text}`).toBeGreaterThan(0);
    }
    expect(all.filter(fromBot).map(visibleText).join('\n')).not.toContain(TURN_ERROR_TEXT);

    // The conversation state kept every turn: the ticket's transcript (kept in that state) has them all.
    const turn = await onA.say('担当者');
    const id = OPENED.exec(turn.filter(fromBot).map(visibleText).join('\n'))?.[1];
    expect(id).toBeDefined();
    const ticket = (await api<HandoffTicket>(b, 'GET', `/${id}`)).json;
    const userLines = ticket.transcript.filter((l) => l.from === 'user').map((l) => l.text);
    expect([...userLines].sort()).toEqual([...topics, '担当者'].sort());
    expect(userLines.at(-1)).toBe('担当者');
    expect(`${a.output()}${b.output()}`).not.toMatch(/turn failed|eTag conflict/);
  }, 60_000);

  it('a socket open on A streams what is appended through B: the user\'s message, the bot\'s reply, an agent\'s reply', async () => {
    const started = await http<{ conversationId: string; token: string; streamUrl: string }>(`${a.base}/v3/directline/conversations`, { method: 'POST', auth: SECRET });
    expect(started.status).toBe(201);
    const { conversationId, token, streamUrl } = started.json;
    expect(new URL(streamUrl).port).toBe(new URL(a.base).port);
    const socket = new WebSocket(streamUrl);
    const received: DirectLineActivity[] = [];
    socket.on('message', (data) => {
      const text = data.toString();
      if (text) received.push(...(JSON.parse(text) as { activities: DirectLineActivity[] }).activities);
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await until('the welcome over A\'s socket', () => received.length >= 1);

    // The user's next message lands on B (a load balancer's choice); its turn runs there.
    const posted = await http<{ id: string }>(`${b.base}/v3/directline/conversations/${conversationId}/activities`, { auth: token, body: { type: 'message', text: '担当者', from: { id: 'scale-out-user' } } });
    expect(posted.status).toBe(200);
    const opened = await until('the ticket opened, over A\'s socket', () => received.map(visibleText).map((t) => OPENED.exec(t)?.[1]).find(Boolean));
    expect(received.find((x) => x.id === posted.json.id)).toMatchObject({ text: '担当者' });

    // An agent answers through B's API: the user sees it on A.
    expect((await api(b, 'POST', `/${opened}/take`, { agent: '山田' })).status).toBe(200);
    await until('the agent\'s message over A\'s socket', () => received.some((x) => fromBot(x) && visibleText(x) === HANDOFF_PHRASES.taken('山田')));

    // Everything once, in the order the conversation has it.
    const all = await http<{ activities: DirectLineActivity[] }>(`${a.base}/v3/directline/conversations/${conversationId}/activities`, { auth: token });
    await until('every activity over the socket', () => received.length >= all.json.activities.length);
    expect(received.map((x) => x.id)).toEqual(all.json.activities.map((x) => x.id));
    socket.close();
  }, 30_000);
});

describe.skipIf(!REDIS_TEST_URL)(`two instances on one Redis, with 3-second tokens${SKIPPED}`, () => {
  const prefix = `${PREFIX}short:`;
  const apps: Array<{ app: App; base: string }> = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({ PORT: '3978', REDIS_URL: REDIS_TEST_URL!, REDIS_KEY_PREFIX: prefix, DIRECT_LINE_SECRET: SECRET }, '/nonexistent');
      const app = createApp(config, { log: createLogger('silent'), now: () => new Date('2026-11-19T10:00:00+09:00'), directLine: { tokenLifetimeSeconds: 3 } });
      apps.push({ app, base: `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}` });
    }
  });
  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await deleteRedisKeys(REDIS_TEST_URL!, prefix);
  });

  it('a token refreshed through B keeps the conversation\'s socket on A open past the old expiry', async () => {
    const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]];
    const started = await http<{ conversationId: string; token: string; streamUrl: string }>(`${a.base}/v3/directline/conversations`, { method: 'POST', auth: SECRET });
    // A second conversation on A, never refreshed: it shows when the first token would have expired.
    const control = await http<{ streamUrl: string }>(`${a.base}/v3/directline/conversations`, { method: 'POST', auth: SECRET });
    const open = async (url: string) => {
      const socket = new WebSocket(url);
      const closed = new Promise<string>((resolve) => socket.on('close', (_code, reason) => resolve(reason.toString())));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      return { socket, closed };
    };
    const kept = await open(started.json.streamUrl);
    const lapsing = await open(control.json.streamUrl);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await http(`${b.base}/v3/directline/tokens/refresh`, { method: 'POST', auth: started.json.token })).status).toBe(200);

    expect(await lapsing.closed).toBe('token expired');
    expect(kept.socket.readyState).toBe(WebSocket.OPEN);
    expect(await kept.closed).toBe('token expired');
  }, 15_000);
});

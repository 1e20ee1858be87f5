import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MENU } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { QueueItem, TicketView } from '../../src/handoff/ticketView';
import { DirectLineClient, type DirectLineActivity } from '../support/directLineClient';
import { consoleHeaders, EventStream } from '../support/consoleEvents';
import { http, startApp, TEST_SECRET, visibleText, type RunningApp } from '../support/server';
import { buttonsOf, FAKE_TEAM_ID, FakeSlackApi, sectionTexts, type PostedMessage } from '../support/fakeSlackApi';
import { blockActions, eventCallback, newTs, sendEvent, sendInteraction, TEST_SIGNING_SECRET } from '../support/slackSigning';
import { until } from '../support/until';

// The console's JSON API and live feed, over real HTTP against the real server; the page itself is
// tested in Chromium (helpdeskConsolePage.test.ts).

const BOT_ID = 'careplan-helpdesk-bot';
const API_TOKEN = 'console-test-helpdesk-token-0123456789';
const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/;
const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;
const signedIn = (agent: string) => consoleHeaders(API_TOKEN, agent);

interface TicketPage {
  item: QueueItem;
  view: TicketView;
}

describe('the helpdesk console API and its live feed', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN });
  });
  afterAll(async () => {
    await server?.close();
  });

  const call = <T = any>(agent: string | null, path: string, body?: unknown) => http<T>(`${server.base}/api/helpdesk${path}`, { headers: agent === null ? {} : signedIn(agent), body });

  async function userWithTicket(name: string, text?: string): Promise<{ client: DirectLineClient; id: string }> {
    const client = await DirectLineClient.start(server.base, TEST_SECRET);
    Object.assign(client.user, { name });
    await client.poll();
    await client.say(MENU.certificate);
    if (text) await client.say(text);
    const turn = await client.say('担当者');
    const id = OPENED.exec(turn.filter(fromBot).map(visibleText).join('\n'))?.[1];
    expect(id).toBeDefined();
    return { client, id: id! };
  }

  it('answers 401 with no data to anyone not signed in: no token, a wrong one, or no name', async () => {
    for (const headers of [{}, { ...signedIn('佐藤'), authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Bearer ${API_TOKEN}` }, { ...signedIn('佐藤'), 'x-helpdesk-agent': '%E0%A4%A' }]) {
      for (const path of ['/queue?status=waiting', '/tickets/HD-00000000', '/events']) {
        const res = await http(`${server.base}/api/helpdesk${path}`, { headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json).toEqual({ error: 'ヘルプデスクにサインインしてください。' });
      }
      expect((await http(`${server.base}/api/helpdesk/tickets/HD-00000000/take`, { headers, body: {} })).status).toBe(401);
    }
    // The page itself holds no data.
    const page = await http(`${server.base}/helpdesk`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('a ticket: its view, a take that another agent loses (told who won), replies, and a reply after resolving refused clearly', async () => {
    const { client, id } = await userWithTicket('高橋');
    const page = await call<TicketPage>('佐藤', `/tickets/${id}`);
    expect(page.status).toBe(200);
    expect(page.json.item).toMatchObject({ id, status: 'waiting', statusLabel: '対応待ち', channel: 'Web チャット', topic: '電子証明書', userName: '高橋' });
    expect(page.json.view.actions.map((a) => a.label)).toEqual(['対応する', '完了']);
    expect(page.json.view.transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual([MENU.certificate, '担当者']);

    // Two agents take it at the same moment: one wins, the other is told who.
    const [sato, suzuki] = await Promise.all([call<TicketPage>('佐藤', `/tickets/${id}/take`, {}), call<TicketPage>('鈴木', `/tickets/${id}/take`, {})]);
    const won = [sato, suzuki].filter((r) => r.status === 200);
    const lost = [sato, suzuki].filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]!.json.item.agent!;
    expect(lost[0]!.json).toEqual({ error: `${id} は ${winner} が対応中です` });
    expect((await client.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.taken(winner)]);

    const replied = await call<TicketPage>(winner, `/tickets/${id}/messages`, { text: '証明書の画面を確認します' });
    expect(replied.status).toBe(200);
    expect(replied.json.view.transcript.at(-1)).toMatchObject({ from: 'agent', text: '証明書の画面を確認します' });
    expect((await client.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.fromAgent(winner, '証明書の画面を確認します')]);

    expect((await call(winner, `/tickets/${id}/messages`, { text: '   ' })).json).toEqual({ error: '返信を入力してください' });
    const resolved = await call<TicketPage>(winner, `/tickets/${id}/resolve`, {});
    expect(resolved.json.item).toMatchObject({ status: 'resolved', statusLabel: '完了' });
    expect(resolved.json.view.actions).toEqual([]);
    const late = await call(winner, `/tickets/${id}/messages`, { text: 'まだいますか' });
    expect(late.status).toBe(409);
    expect(late.json).toEqual({ error: `${id} は完了しています` });
    expect((await call('佐藤', '/tickets/HD-00000000/take', {})).status).toBe(404);
  });

  it('the queue pages by status with totals; a bad status or page is a 400 in words', async () => {
    const ids = [];
    for (const name of ['一', '二', '三']) ids.push((await userWithTicket(name)).id);
    const all = await call<{ items: QueueItem[]; total: number; now: string }>('佐藤', '/queue?status=waiting&limit=100');
    expect(all.json.items.map((i) => i.id)).toEqual(expect.arrayContaining(ids));
    expect(all.json.now).toBe(new Date('2026-11-19T10:00:00+09:00').toISOString());
    const first = await call<{ items: QueueItem[]; total: number }>('佐藤', '/queue?status=waiting&limit=2');
    const second = await call<{ items: QueueItem[]; total: number }>('佐藤', '/queue?status=waiting&limit=2&offset=2');
    expect(first.json.total).toBe(all.json.total);
    expect([...first.json.items, ...second.json.items].map((i) => i.id)).toEqual(all.json.items.slice(0, 4).map((i) => i.id));
    for (const query of ['status=nope', 'status=waiting&limit=0', 'status=waiting&offset=-1', '']) expect((await call('佐藤', `/queue?${query}`)).status, query).toBe(400);
  });

  it('the live feed carries a new ticket, the user\'s message and a take; a reconnect with Last-Event-ID gets what it missed', async () => {
    const stream = await EventStream.open(server.base, signedIn('佐藤'));
    const { client, id } = await userWithTicket('中村');
    const opened = await until('the opened event', () => stream.tickets().find((e) => e.ticketId === id && e.kind === 'opened'));
    expect(opened.item).toMatchObject({ id, status: 'waiting', userName: '中村' });
    await client.say('<b>急ぎ</b><script>alert(1)</script>');
    const message = await until('the user message', () => stream.tickets().find((e) => e.ticketId === id && e.kind === 'message'));
    expect(message.line).toMatchObject({ from: 'user', speaker: '利用者', text: '<b>急ぎ</b><script>alert(1)</script>' });

    // The connection drops; meanwhile the ticket is taken and the user writes again.
    const lastSeen = stream.frames.filter((f) => f.id).at(-1)!.id!;
    stream.close();
    await call('鈴木', `/tickets/${id}/take`, {});
    await client.say('よろしくお願いします');
    const again = await EventStream.open(server.base, signedIn('佐藤'), lastSeen);
    const caughtUp = again.tickets().filter((e) => e.ticketId === id);
    expect(caughtUp.map((e) => e.kind)).toEqual(['taken', 'message']);
    expect(caughtUp[1]!.line?.text).toBe('よろしくお願いします');
    // The missed events come before `ready`: the console knows it is up to date.
    expect(again.frames.findIndex((f) => f.event === 'ready')).toBeGreaterThan(again.frames.findIndex((f) => f.event === 'ticket'));
    again.close();

    // An id this server does not know (a restart, another instance, long ago): told to reload.
    const unknown = await EventStream.open(server.base, signedIn('佐藤'), 'gone.1');
    expect(unknown.frames.map((f) => f.event)).toEqual(['reset', 'ready']);
    unknown.close();
  });
});

describe('the console and a Slack helpdesk channel show one ticket', () => {
  const HELPDESK = 'C0HELPDESK';
  const fake = new FakeSlackApi();
  let server: RunningApp;

  beforeAll(async () => {
    await fake.start();
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN, SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-testtesttesttesttesttest', SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.url, HELPDESK_SLACK_CHANNEL: HELPDESK });
  });
  afterAll(async () => {
    await server?.close();
    await fake.close();
  });

  const call = <T = any>(path: string, body?: unknown) => http<T>(`${server.base}/api/helpdesk${path}`, { headers: signedIn('佐藤'), body });
  /** The ticket message in the helpdesk channel as it is now (its latest chat.update). */
  const slackTicket = (posted: PostedMessage): PostedMessage => {
    const last = fake.callsOf('chat.update').filter((c) => c.params.ts === posted.ts).at(-1);
    return last ? { ...posted, text: String(last.params.text), blocks: last.params.blocks as PostedMessage['blocks'] } : posted;
  };

  it('taken in Slack shows in the console; answered and resolved in the console shows in Slack', async () => {
    const stream = await EventStream.open(server.base, signedIn('佐藤'));
    const client = await DirectLineClient.start(server.base, TEST_SECRET);
    await client.poll();
    const id = OPENED.exec((await client.say('担当者')).filter(fromBot).map(visibleText).join('\n'))![1]!;
    const posted = await until('the ticket in Slack', () => fake.posts().find((p) => p.channel === HELPDESK && p.thread_ts === undefined && p.text.includes(id)));

    // 対応する in Slack: the console's page and feed say who took it.
    const take = buttonsOf(posted).find((b) => b.label === '対応する')!;
    await sendInteraction(`${server.base}/slack/events`, blockActions({ teamId: FAKE_TEAM_ID, user: 'U0AGENTA', channel: HELPDESK, message: { ts: posted.ts, text: posted.text, blocks: posted.blocks }, action: take }));
    await until('the take in the feed', () => stream.tickets().find((e) => e.ticketId === id && e.kind === 'taken'));
    expect((await call<TicketPage>(`/tickets/${id}`)).json.view).toMatchObject({ statusLabel: '対応中（u0agenta）', actions: [{ kind: 'resolve' }] });
    expect((await call(`/tickets/${id}/take`, {})).json).toEqual({ error: `${id} は u0agenta が対応中です` });

    // An agent's reply in the Slack thread is in the console's transcript, live.
    await sendEvent(`${server.base}/slack/events`, eventCallback({ type: 'message', channel: HELPDESK, channel_type: 'channel', user: 'U0AGENTA', text: 'スレッドから返信します', ts: newTs(), thread_ts: posted.ts }, { teamId: FAKE_TEAM_ID }));
    const fromSlack = await until('the Slack reply in the feed', () => stream.tickets().find((e) => e.ticketId === id && e.line?.text === 'スレッドから返信します'));
    expect(fromSlack.line).toMatchObject({ from: 'agent', speaker: '担当者' });

    // Answered and resolved in the console: Slack's thread and ticket message follow.
    await call(`/tickets/${id}/messages`, { text: 'コンソールから返信します' });
    await until('the console reply in the Slack thread', () => fake.posts().find((p) => p.thread_ts === posted.ts && p.text === '担当者 (佐藤): コンソールから返信します'));
    await call(`/tickets/${id}/resolve`, {});
    await until('the ticket message updated to 完了', () => sectionTexts(slackTicket(posted)).join('\n').includes('*状態*\n完了') || undefined);
    expect(buttonsOf(slackTicket(posted))).toEqual([]);
    stream.close();
  });
});

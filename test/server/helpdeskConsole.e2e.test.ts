import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MENU } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { QueueItem, TicketView } from '../../src/handoff/ticketView';
import { CSRF_HEADER } from '../../src/helpdeskAuth';
import { EventStream } from '../support/consoleEvents';
import { DirectLineClient, type DirectLineActivity } from '../support/directLineClient';
import { agentSession, oidcEnv, oidcSignIn, startOidcProvider, tokenSignIn, type AgentSession } from '../support/helpdeskSignIn';
import { http, startApp, TEST_SECRET, visibleText, type RunningApp } from '../support/server';
import { buttonsOf, FAKE_TEAM_ID, FakeSlackApi, sectionTexts, type PostedMessage } from '../support/fakeSlackApi';
import { blockActions, eventCallback, newTs, sendEvent, sendInteraction, TEST_SIGNING_SECRET } from '../support/slackSigning';
import { until } from '../support/until';

// The console's JSON API and live feed, over real HTTP against the real server, behind the helpdesk
// sign-in (agents signed in through a local OpenID provider, so each has a name of their own); the
// page itself is tested in Chromium (helpdeskConsolePage.test.ts).

const BOT_ID = 'careplan-helpdesk-bot';
const API_TOKEN = 'console-test-helpdesk-token-0123456789';
const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/;
const T0 = new Date('2026-11-19T10:00:00+09:00');
const HOUR = 3600_000;
const SIGN_IN_FIRST = { error: 'サインインしてください。' };
const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;

interface TicketPage {
  item: QueueItem;
  view: TicketView;
}

/** A user over Direct Line who asked for a person; the ticket's number. */
async function userWithTicket(base: string, name: string, text?: string): Promise<{ client: DirectLineClient; id: string }> {
  const client = await DirectLineClient.start(base, TEST_SECRET);
  Object.assign(client.user, { name });
  await client.poll();
  await client.say(MENU.certificate);
  if (text) await client.say(text);
  const turn = await client.say('担当者');
  const id = OPENED.exec(turn.filter(fromBot).map(visibleText).join('\n'))?.[1];
  expect(id).toBeDefined();
  return { client, id: id! };
}

describe('the helpdesk console API and its live feed', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let server: RunningApp;
  let clock = T0;
  let sato: AgentSession;
  let suzuki: AgentSession;
  const signIn = async (oid: string, name: string) => agentSession(server.base, await oidcSignIn(server.base, provider, { oid, name }));

  beforeAll(async () => {
    provider = await startOidcProvider();
    // A short keep-alive, at which each open stream's sign-in is checked again.
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN, HELPDESK_SESSION_HOURS: '1', ...oidcEnv(provider.issuer) }, () => clock, { helpdeskConsole: { keepAliveMs: 200 } });
    sato = await signIn('oid-sato', '佐藤 花子');
    suzuki = await signIn('oid-suzuki', '鈴木 一郎');
  });
  afterAll(async () => {
    await server?.close();
    await provider?.stop();
  });

  /** A console request as the page makes it: the session cookie, and on a POST the CSRF token; or `headers` as given. */
  const call = <T = any>(who: AgentSession | null, path: string, body?: unknown, headers?: Record<string, string>) =>
    http<T>(`${server.base}/helpdesk/api${path}`, { headers: headers ?? (who ? (body === undefined ? who.read : who.write) : {}), body });
  const page = (path: string, cookie?: string) => fetch(`${server.base}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

  it('sends a visitor who is not signed in to the sign-in, and back to the page asked for; signed in, the page links to the dashboard and back', async () => {
    for (const path of ['/helpdesk', '/helpdesk/tickets/HD-0000ABCD']) {
      const res = await page(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe(`/helpdesk/signin?next=${encodeURIComponent(path)}`);
    }
    const res = await page('/helpdesk/tickets/HD-0000ABCD', sato.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    // The dashboard's header: who is signed in (no name to type), the pages, the sign-out.
    expect(html).toContain('<span class="agent">佐藤 花子</span>');
    expect(html).toContain('<a href="/helpdesk" aria-current="page">対応キュー</a><a href="/helpdesk/dashboard">ダッシュボード</a>');
    expect(html).toContain(`<meta name="csrf-token" content="${sato.csrf}">`);
    expect(html).not.toMatch(/<input(?![^>]*type="hidden")/);
    // The dashboard's link to the queue leads here.
    const dashboard = await (await page('/helpdesk/dashboard', sato.cookie)).text();
    expect(dashboard).toContain('<a href="/helpdesk">対応キュー</a>');
    expect(dashboard).toContain('<a href="/helpdesk/dashboard" aria-current="page">ダッシュボード</a>');
  });

  it('answers 401 with no data without a session: none, a forged or altered cookie, the REST API\'s bearer token, a session expired', async () => {
    const { id } = await userWithTicket(server.base, '山本');
    const altered = sato.cookie.slice(0, -1) + (sato.cookie.endsWith('A') ? 'B' : 'A');
    const expired = await signIn('oid-kato', '加藤 三郎');
    const refused = [{}, { cookie: 'helpdesk_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { cookie: altered }, { cookie: 'helpdesk_session=../../etc; x=1' }, { authorization: `Bearer ${API_TOKEN}` }, expired.read];
    clock = new Date(T0.getTime() + HOUR + 1000);
    try {
      for (const headers of refused) {
        for (const path of ['/queue?status=waiting', `/tickets/${id}`, '/events']) {
          const res = await call(null, path, undefined, headers);
          expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
          expect(res.json).toEqual(SIGN_IN_FIRST);
        }
        for (const action of ['take', 'messages', 'resolve']) {
          const res = await call(null, `/tickets/${id}/${action}`, { text: 'x' }, { ...headers, [CSRF_HEADER]: expired.csrf });
          expect(res.status, action).toBe(401);
          expect(res.text).not.toContain(id);
        }
        expect((await page(`/helpdesk/tickets/${id}`, headers.cookie)).status).toBe(302);
      }
    } finally {
      clock = T0;
    }
    // Nothing was done to the ticket.
    expect((await call<TicketPage>(sato, `/tickets/${id}`)).json.item.status).toBe('waiting');
  });

  it('take, reply and resolve need the session\'s CSRF token: without it, or with another session\'s, 403 and nothing changes', async () => {
    const { client, id } = await userWithTicket(server.base, '小林');
    for (const action of ['take', 'messages', 'resolve']) {
      for (const headers of [sato.read, { ...sato.read, [CSRF_HEADER]: suzuki.csrf }, { ...sato.read, [CSRF_HEADER]: '' }]) {
        const res = await call(null, `/tickets/${id}/${action}`, { text: '返信します' }, headers);
        expect(res.status, `${action} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.json.error).toContain('CSRF');
      }
    }
    const { item, view } = (await call<TicketPage>(sato, `/tickets/${id}`)).json;
    expect(item.status).toBe('waiting');
    expect(view.transcript.filter((l) => l.from === 'agent')).toEqual([]);
    expect((await client.poll()).filter(fromBot)).toEqual([]);
  });

  it('the agent on the ticket, and named to the user, is the one signed in, whatever the request says', async () => {
    const { client, id } = await userWithTicket(server.base, '渡辺');
    const taken = await call<TicketPage>(sato, `/tickets/${id}/take`, { agent: '鈴木 一郎' });
    expect(taken.status).toBe(200);
    expect(taken.json.item.agent).toBe('佐藤 花子');
    expect(taken.json.view.statusLabel).toBe('対応中（佐藤 花子）');
    await call(sato, `/tickets/${id}/messages`, { text: '確認します', agent: '鈴木 一郎' });
    expect((await client.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.taken('佐藤 花子'), HANDOFF_PHRASES.fromAgent('佐藤 花子', '確認します')]);
    // Another agent cannot answer or close it in her name: it is hers.
    expect((await call(suzuki, `/tickets/${id}/take`, {})).json).toEqual({ error: `${id} は 佐藤 花子 が対応中です` });
  });

  it('a ticket: its view, a take that another agent loses (told who won), replies, and a reply after resolving refused clearly', async () => {
    const { client, id } = await userWithTicket(server.base, '高橋');
    const ticket = await call<TicketPage>(sato, `/tickets/${id}`);
    expect(ticket.status).toBe(200);
    expect(ticket.json.item).toMatchObject({ id, status: 'waiting', statusLabel: '対応待ち', channel: 'Web チャット', topic: '電子証明書', userName: '高橋' });
    expect(ticket.json.view.actions.map((a) => a.label)).toEqual(['対応する', '完了']);
    expect(ticket.json.view.transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual([MENU.certificate, '担当者']);

    // Two agents take it at the same moment: one wins, the other is told who.
    const attempts = [sato, suzuki];
    const results = await Promise.all(attempts.map((who) => call<TicketPage>(who, `/tickets/${id}/take`, {})));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(1);
    const won = results.findIndex((r) => r.status === 200);
    const winner = attempts[won]!;
    const name = results[won]!.json.item.agent!;
    expect(name).toBe(won === 0 ? '佐藤 花子' : '鈴木 一郎');
    expect(results[1 - won]!.json).toEqual({ error: `${id} は ${name} が対応中です` });
    expect((await client.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.taken(name)]);

    const replied = await call<TicketPage>(winner, `/tickets/${id}/messages`, { text: '証明書の画面を確認します' });
    expect(replied.status).toBe(200);
    expect(replied.json.view.transcript.at(-1)).toMatchObject({ from: 'agent', text: '証明書の画面を確認します' });
    expect((await client.poll()).filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.fromAgent(name, '証明書の画面を確認します')]);

    expect((await call(winner, `/tickets/${id}/messages`, { text: '   ' })).json).toEqual({ error: '返信を入力してください' });
    const resolved = await call<TicketPage>(winner, `/tickets/${id}/resolve`, {});
    expect(resolved.json.item).toMatchObject({ status: 'resolved', statusLabel: '完了' });
    expect(resolved.json.view.actions).toEqual([]);
    const late = await call(winner, `/tickets/${id}/messages`, { text: 'まだいますか' });
    expect(late.status).toBe(409);
    expect(late.json).toEqual({ error: `${id} は完了しています` });
    expect((await call(sato, '/tickets/HD-00000000/take', {})).status).toBe(404);
  });

  it('the queue pages by status with totals; a bad status or page is a 400 in words', async () => {
    const ids = [];
    for (const name of ['一', '二', '三']) ids.push((await userWithTicket(server.base, name)).id);
    const all = await call<{ items: QueueItem[]; total: number; now: string }>(sato, '/queue?status=waiting&limit=100');
    expect(all.json.items.map((i) => i.id)).toEqual(expect.arrayContaining(ids));
    expect(all.json.now).toBe(T0.toISOString());
    const first = await call<{ items: QueueItem[]; total: number }>(sato, '/queue?status=waiting&limit=2');
    const second = await call<{ items: QueueItem[]; total: number }>(sato, '/queue?status=waiting&limit=2&offset=2');
    expect(first.json.total).toBe(all.json.total);
    expect([...first.json.items, ...second.json.items].map((i) => i.id)).toEqual(all.json.items.slice(0, 4).map((i) => i.id));
    for (const query of ['status=nope', 'status=waiting&limit=0', 'status=waiting&offset=-1', '']) expect((await call(sato, `/queue?${query}`)).status, query).toBe(400);
  });

  it('the live feed carries a new ticket, the user\'s message and a take; a reconnect with Last-Event-ID gets what it missed', async () => {
    const stream = await EventStream.open(server.base, sato.read);
    const { client, id } = await userWithTicket(server.base, '中村');
    const opened = await until('the opened event', () => stream.tickets().find((e) => e.ticketId === id && e.kind === 'opened'));
    expect(opened.item).toMatchObject({ id, status: 'waiting', userName: '中村' });
    await client.say('<b>急ぎ</b><script>alert(1)</script>');
    const message = await until('the user message', () => stream.tickets().find((e) => e.ticketId === id && e.kind === 'message'));
    expect(message.line).toMatchObject({ from: 'user', speaker: '利用者', text: '<b>急ぎ</b><script>alert(1)</script>' });

    // The connection drops; meanwhile the ticket is taken and the user writes again.
    const lastSeen = stream.frames.filter((f) => f.id).at(-1)!.id!;
    stream.close();
    await call(suzuki, `/tickets/${id}/take`, {});
    await client.say('よろしくお願いします');
    const again = await EventStream.open(server.base, sato.read, lastSeen);
    const caughtUp = again.tickets().filter((e) => e.ticketId === id);
    expect(caughtUp.map((e) => e.kind)).toEqual(['taken', 'message']);
    expect(caughtUp[0]!.item.agent).toBe('鈴木 一郎');
    expect(caughtUp[1]!.line?.text).toBe('よろしくお願いします');
    // The missed events come before `ready`: the console knows it is up to date.
    expect(again.frames.findIndex((f) => f.event === 'ready')).toBeGreaterThan(again.frames.findIndex((f) => f.event === 'ticket'));
    again.close();

    // An id this server does not know (a restart, another instance, long ago): told to reload.
    const unknown = await EventStream.open(server.base, sato.read, 'gone.1');
    expect(unknown.frames.map((f) => f.event)).toEqual(['reset', 'ready']);
    unknown.close();
  });

  it('an open feed ends soon after its agent signs out; the console then hears 401', async () => {
    const leaving = await signIn('oid-kato', '加藤 五郎');
    const stream = await EventStream.open(server.base, leaving.read);
    const out = await fetch(`${server.base}/helpdesk/signout`, { method: 'POST', redirect: 'manual', headers: { cookie: leaving.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: leaving.csrf }).toString() });
    expect(out.status).toBe(303);
    await until('the stream ends after the sign-out', () => stream.closed || undefined);
    expect((await call(null, '/events', undefined, leaving.read)).status).toBe(401);
  });

  it('an open feed ends when its session does; the console then hears 401 and no more events', async () => {
    const brief = await signIn('oid-ito', '伊藤 四郎');
    clock = new Date(T0.getTime() + HOUR - 300);
    try {
      const stream = await EventStream.open(server.base, brief.read);
      await until('the stream ends with the session', () => stream.closed || undefined);
      clock = new Date(T0.getTime() + HOUR + 1);
      const again = await call(null, '/events', undefined, brief.read);
      expect(again.status).toBe(401);
      expect(again.json).toEqual(SIGN_IN_FIRST);
    } finally {
      clock = T0;
    }
  });
});

describe('the console and a Slack helpdesk channel show one ticket', () => {
  const HELPDESK = 'C0HELPDESK';
  const fake = new FakeSlackApi();
  let server: RunningApp;

  let agent: AgentSession;

  beforeAll(async () => {
    await fake.start();
    // The token sign-in (no OIDC): agents go by HELPDESK_AGENT_NAME.
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN, HELPDESK_AGENT_NAME: '佐藤', SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-testtesttesttesttesttest', SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.url, HELPDESK_SLACK_CHANNEL: HELPDESK });
    agent = await agentSession(server.base, await tokenSignIn(server.base, API_TOKEN));
  });
  afterAll(async () => {
    await server?.close();
    await fake.close();
  });

  const call = <T = any>(path: string, body?: unknown) => http<T>(`${server.base}/helpdesk/api${path}`, { headers: body === undefined ? agent.read : agent.write, body });
  /** The ticket message in the helpdesk channel as it is now (its latest chat.update). */
  const slackTicket = (posted: PostedMessage): PostedMessage => {
    const last = fake.callsOf('chat.update').filter((c) => c.params.ts === posted.ts).at(-1);
    return last ? { ...posted, text: String(last.params.text), blocks: last.params.blocks as PostedMessage['blocks'] } : posted;
  };

  it('taken in Slack shows in the console; answered and resolved in the console shows in Slack', async () => {
    const stream = await EventStream.open(server.base, agent.read);
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

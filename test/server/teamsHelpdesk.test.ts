import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAMS_HELPDESK_PHRASES } from '../../src/channels/teams/teamsHelpdesk';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { FakeConnector, TEAMS_BOT, TEAMS_USER, teamsActivity, type ConnectorCall } from '../support/fakeConnector';
import { buttons, cardOf, cardTexts, http, startApp, visibleText, type CardActivity, type RunningApp } from '../support/server';

const BOT = TEAMS_BOT;
const USER = TEAMS_USER;
const SATO = { id: '29:agent-sato', name: '佐藤' };
const SUZUKI = { id: '29:agent-suzuki', name: '鈴木' };
const HELPDESK_CHANNEL = '19:helpdesk0123456789abcdef@thread.tacv2';
const TEAM = '19:team0123456789abcdef@thread.tacv2';
const API_TOKEN = 'helpdesk-api-token-0123456789abcdef';
const P = TEAMS_HELPDESK_PHRASES;

interface HandoffButtonData {
  handoff: string;
  ticketId: string;
  msteams?: { type: string; text: string; displayText: string };
}

describe('Teams helpdesk channel: tickets as threads with 対応する / 完了, replies both ways', () => {
  let server: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    connector = await new FakeConnector().start();
    server = await startApp({
      HELPDESK_TEAMS_CHANNEL_ID: HELPDESK_CHANNEL,
      HELPDESK_TEAMS_SERVICE_URL: connector.url,
      HELPDESK_API_TOKEN: API_TOKEN,
    });
  });
  afterAll(async () => {
    await server?.close();
    await connector?.stop();
  });

  /** Posts one activity as Teams would and returns what the bot sent to the connector during the request. */
  async function post(activity: Record<string, unknown>) {
    const before = connector.calls.length;
    const res = await http(`${server.base}/api/messages`, { body: activity });
    expect(res.status, res.text).toBe(200);
    return connector.since(before);
  }

  /** The user, in a personal chat with the bot. */
  function fromUser(conversationId: string, fields: Record<string, unknown>) {
    return post(teamsActivity(connector, conversationId, fields));
  }

  /** An agent in the helpdesk channel (a thread's conversation id is "<channel>;messageid=<root>"). */
  function fromAgent(conversationId: string, agent: { id: string; name: string }, fields: Record<string, unknown>) {
    return post({
      type: 'message',
      channelId: 'msteams',
      serviceUrl: connector.url,
      conversation: { id: conversationId, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
      from: agent,
      recipient: BOT,
      id: `${Date.now()}${Math.floor(Math.random() * 1000)}`,
      timestamp: new Date().toISOString(),
      locale: 'ja-JP',
      channelData: { channel: { id: HELPDESK_CHANNEL }, team: { id: TEAM }, tenant: { id: 'tenant-1' } },
      ...fields,
    });
  }

  /** A reply in a channel thread, mentioning the bot as Teams requires. */
  const mentioning = (text: string) => ({
    text: `<at>${BOT.name}</at> ${text}`,
    entities: [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }],
  });

  const bodies = (calls: ConnectorCall[]) => calls.map((c) => c.body as CardActivity);
  const texts = (calls: ConnectorCall[]) => bodies(calls).map(visibleText);
  const inConversation = (calls: ConnectorCall[], conversationId: string) => calls.filter((c) => c.conversationId === conversationId && c.method === 'POST');
  const handoffButton = (card: CardActivity, title: string) => cardOf(card)!.actions.find((a) => a.title === title)?.data as unknown as HandoffButtonData;
  const getTicket = async (id: string) => {
    const res = await http<HandoffTicket>(`${server.base}/api/handoffs/${id}`, { auth: API_TOKEN });
    expect(res.status).toBe(200);
    return res.json;
  };

  it('walks a user from the ID dialog to an agent in the helpdesk thread and back to the bot', async () => {
    const user = `a:${randomUUID()}`;

    // ---- The user in Teams personal chat: part of the ID dialog, then asks for a person.
    await fromUser(user, { type: 'conversationUpdate', membersAdded: [BOT, USER] });
    expect(texts(await fromUser(user, { type: 'message', text: MENU.id })).join('\n')).toContain(PHRASES.idWhich);
    expect(texts(await fromUser(user, { type: 'message', text: CHOICES.idType.kj })).join('\n')).toContain(PHRASES.idStatus);
    expect(texts(await fromUser(user, { type: 'message', text: CHOICES.idStatus.lost })).join('\n')).toContain(PHRASES.idSecurityMail);

    const opened = await fromUser(user, { type: 'message', text: '担当者' });
    const toUser = inConversation(opened, user);
    const handoffMessage = texts(toUser).find((t) => t.includes('担当者におつなぎします'));
    expect(handoffMessage, texts(toUser).join('\n---\n')).toBeDefined();
    const ticketId = /受付番号 (HD-[0-9A-F]{8})/.exec(handoffMessage!)![1]!;
    expect(handoffMessage).toContain(HANDOFF_PHRASES.opened(ticketId));
    // Teams answers 400 to event activities, so handoff.initiate (for Direct Line contact centres) is not sent here.
    expect(bodies(toUser).filter((b) => b.type === 'event')).toEqual([]);

    // ---- A new thread in the helpdesk channel, its root the ticket card.
    const creates = opened.filter((c) => c.url === '/v3/conversations');
    expect(creates).toHaveLength(1);
    const create = creates[0]!;
    const thread = create.created!.id;
    expect(thread).toBe(`${HELPDESK_CHANNEL};messageid=${create.created!.activityId}`);
    expect(create.body).toMatchObject({ isGroup: true, channelData: { channel: { id: HELPDESK_CHANNEL } } });
    const card = create.body.activity as CardActivity;
    expect(card.type).toBe('message');
    expect(cardOf(card)?.version).toBe('1.5');
    expect(String(card.summary)).toContain(ticketId);
    const cardText = cardTexts(card);
    expect(cardText).toContain(`受付番号: ${ticketId}`);
    expect(cardText).toContain('状態: 対応待ち');
    expect(cardText).toContain(`利用者: ${USER.name}`);
    expect(cardText).toContain('チャネル: Teams');
    expect(cardText).toContain('IDの種類: 事業所ユーザID（KJから始まる）');
    expect(cardText).toContain('IDの状況: IDかパスワードがわからない');
    // The transcript: what the user said before asking for a person.
    expect(cardText).toContain(`利用者: ${MENU.id}`);
    expect(cardText).toContain(`利用者: ${CHOICES.idStatus.lost}`);
    expect(cardText).toContain('利用者: 担当者');
    expect(buttons(card)).toEqual([P.take, P.resolve]);
    expect(handoffButton(card, P.take)).toEqual({ handoff: 'take', ticketId, msteams: { type: 'messageBack', text: P.take, displayText: P.take } });
    expect(handoffButton(card, P.resolve)).toMatchObject({ handoff: 'resolve', ticketId, msteams: { type: 'messageBack', displayText: P.resolve } });
    // Nothing else went to the helpdesk channel, and the thread is remembered on the ticket.
    expect(opened.filter((c) => c.conversationId.startsWith(HELPDESK_CHANNEL))).toEqual([create]);
    const stored = await getTicket(ticketId);
    expect(stored.helpdesk.teams).toEqual({ conversationId: thread });
    expect(stored.summary).toContain('ID・パスワード');
    expect(cardText).toContain(stored.summary);

    // ---- Before anyone takes it: the user is asked to wait; the message shows in the thread.
    const early = await fromUser(user, { type: 'message', text: 'まだですか' });
    expect(texts(inConversation(early, user))).toEqual([HANDOFF_PHRASES.waiting]);
    expect(texts(inConversation(early, thread))).toEqual([P.fromUser('まだですか')]);

    // ---- 佐藤 clicks 対応する on the card (messageBack: text + value).
    const take = await fromAgent(thread, SATO, { text: P.take, value: { handoff: 'take', ticketId } });
    expect(texts(inConversation(take, user))).toEqual([HANDOFF_PHRASES.taken('佐藤')]);
    expect(texts(inConversation(take, user))[0]).toContain('担当者（佐藤）が対応します');
    const takeNotes = inConversation(take, thread);
    expect(texts(takeNotes)).toHaveLength(1);
    expect(texts(takeNotes)[0]).toContain('佐藤 さんが');
    expect(takeNotes[0]!.body).toMatchObject({ type: 'message', textFormat: 'plain' });
    // The root card now shows who has it, and only 完了.
    const takeUpdates = take.filter((c) => c.method === 'PUT');
    expect(takeUpdates).toHaveLength(1);
    expect(takeUpdates[0]!).toMatchObject({ conversationId: thread, replyToId: create.created!.activityId });
    expect(cardTexts(takeUpdates[0]!.body as CardActivity)).toContain('状態: 対応中（佐藤）');
    expect(buttons(takeUpdates[0]!.body as CardActivity)).toEqual([P.resolve]);

    // ---- 佐藤 replies in the thread (mentioning the bot): the user gets it, nothing is echoed in the thread.
    const agentReply = await fromAgent(thread, SATO, mentioning('お待たせしました。セキュリティ用メールアドレスの登録状況を確認させてください。'));
    expect(texts(inConversation(agentReply, user))).toEqual([HANDOFF_PHRASES.fromAgent('佐藤', 'お待たせしました。セキュリティ用メールアドレスの登録状況を確認させてください。')]);
    expect(agentReply.filter((c) => c.conversationId.startsWith(HELPDESK_CHANNEL))).toEqual([]);

    // Mentions of colleagues in the reply reach the user as plain names.
    const withColleague = await fromAgent(thread, SATO, {
      text: `<at>${BOT.name}</at> <at>田中</at>にも確認します。`,
      entities: [
        { type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT },
        { type: 'mention', text: '<at>田中</at>', mentioned: { id: '29:tanaka', name: '田中' } },
      ],
    });
    expect(texts(inConversation(withColleague, user))).toEqual([HANDOFF_PHRASES.fromAgent('佐藤', '田中にも確認します。')]);

    // ---- The user answers: it appears in the thread; the bot says nothing (no dialog, no menu).
    const userAnswer = await fromUser(user, { type: 'message', text: '登録していないと思います' });
    expect(inConversation(userAnswer, user)).toEqual([]);
    expect(texts(inConversation(userAnswer, thread))).toEqual(['利用者: 登録していないと思います']);
    // Even a menu label goes to the agent while the ticket is open.
    const menuWord = await fromUser(user, { type: 'message', text: MENU.certificate });
    expect(inConversation(menuWord, user)).toEqual([]);
    expect(texts(inConversation(menuWord, thread))).toEqual([P.fromUser(MENU.certificate)]);

    // ---- 鈴木 clicks 対応する on the (old) card: refused in the thread, the user hears nothing.
    const second = await fromAgent(thread, SUZUKI, { text: P.take, value: { handoff: 'take', ticketId } });
    expect(inConversation(second, user)).toEqual([]);
    expect(texts(inConversation(second, thread))).toEqual([P.refused(`${ticketId} は 佐藤 が対応中です`)]);
    expect(second.filter((c) => c.method === 'PUT')).toEqual([]);

    // ---- A message sent through the API (another tool) shows in the thread with the agent's name.
    const apiBefore = connector.calls.length;
    const viaApi = await http(`${server.base}/api/handoffs/${ticketId}/messages`, { auth: API_TOKEN, body: { agent: '佐藤', text: '郵送での再発行をご案内します。' } });
    expect(viaApi.status).toBe(200);
    const apiCalls = connector.since(apiBefore);
    expect(texts(inConversation(apiCalls, user))).toEqual([HANDOFF_PHRASES.fromAgent('佐藤', '郵送での再発行をご案内します。')]);
    expect(texts(inConversation(apiCalls, thread))).toEqual([P.fromAgentElsewhere('佐藤', '郵送での再発行をご案内します。')]);

    // ---- 完了: the user is handed back to the bot; the card shows 完了 without buttons.
    const resolve = await fromAgent(thread, SATO, { text: P.resolve, value: { handoff: 'resolve', ticketId } });
    expect(texts(inConversation(resolve, user))).toEqual([HANDOFF_PHRASES.resolved]);
    expect(texts(inConversation(resolve, thread))).toEqual([P.resolved({ id: ticketId, agent: '佐藤' } as HandoffTicket)]);
    const resolvedCard = resolve.find((c) => c.method === 'PUT')!.body as CardActivity;
    expect(cardTexts(resolvedCard)).toContain('状態: 完了');
    expect(buttons(resolvedCard)).toEqual([]);

    // ---- The next user message gets a normal bot answer, and nothing reaches the thread.
    const back = await fromUser(user, { type: 'message', text: MENU.certificate });
    expect(texts(inConversation(back, user)).join('\n')).toContain(PHRASES.certPassword);
    expect(back.filter((c) => c.conversationId.startsWith(HELPDESK_CHANNEL))).toEqual([]);

    // ---- A late reply in the thread is refused: the ticket is closed.
    const late = await fromAgent(thread, SATO, mentioning('ほかにご不明な点はありますか'));
    expect(inConversation(late, user)).toEqual([]);
    expect(texts(inConversation(late, thread))).toEqual([P.refused(`${ticketId} は完了しています`)]);

    // ---- The API shows the whole story.
    const ticket = await getTicket(ticketId);
    expect(ticket).toMatchObject({ id: ticketId, status: 'resolved', agent: '佐藤', channel: 'msteams', userName: USER.name, reason: 'requested' });
    expect(ticket.facts).toMatchObject({ topic: 'id', idType: 'kj', idStatus: 'lost' });
    const created = Date.parse(ticket.createdAt);
    expect(Date.parse(ticket.takenAt!)).toBeGreaterThanOrEqual(created);
    expect(Date.parse(ticket.resolvedAt!)).toBeGreaterThanOrEqual(Date.parse(ticket.takenAt!));
    const said = ticket.transcript.map((l) => `${l.from}: ${l.text}`);
    expect(said).toEqual(
      expect.arrayContaining([
        `user: ${MENU.id}`,
        'user: 担当者',
        'user: まだですか',
        'agent: お待たせしました。セキュリティ用メールアドレスの登録状況を確認させてください。',
        'user: 登録していないと思います',
        'agent: 郵送での再発行をご案内します。',
      ]),
    );
    expect(said.indexOf('user: 登録していないと思います')).toBeGreaterThan(said.indexOf('agent: お待たせしました。セキュリティ用メールアドレスの登録状況を確認させてください。'));
    // Only the menu label typed during the hand-off is on the ticket, not the one after it.
    expect(said.filter((l) => l === `user: ${MENU.certificate}`)).toHaveLength(1);
  });

  it('a second user gets a thread of their own', async () => {
    const first = `a:${randomUUID()}`;
    const second = `a:${randomUUID()}`;
    const threads: string[] = [];
    for (const user of [first, second]) {
      const calls = await fromUser(user, { type: 'message', text: '担当者' });
      threads.push(calls.find((c) => c.url === '/v3/conversations')!.created!.id);
    }
    expect(new Set(threads).size).toBe(2);
    const relay = await fromUser(second, { type: 'message', text: '二人目です' });
    expect(texts(inConversation(relay, threads[1]!))).toEqual([P.fromUser('二人目です')]);
    expect(inConversation(relay, threads[0]!)).toEqual([]);
  });

  it('other activities in the helpdesk channel get a short help reply and never reach the dialogs', async () => {
    // A post at the channel's top level, mentioning the bot.
    const top = await fromAgent(HELPDESK_CHANNEL, SATO, mentioning(MENU.certificate));
    expect(texts(top)).toEqual([P.help]);
    expect(top[0]!.conversationId).toBe(HELPDESK_CHANNEL);
    // A reply in a thread that is no ticket's.
    const stray = `${HELPDESK_CHANNEL};messageid=999999`;
    const strayReply = await fromAgent(stray, SATO, mentioning('担当者'));
    expect(texts(strayReply)).toEqual([P.help]);
    // A click for a ticket that does not exist.
    const unknown = await fromAgent(stray, SATO, { text: P.take, value: { handoff: 'take', ticketId: 'HD-00000000' } });
    expect(texts(unknown)).toEqual([P.notFound('HD-00000000')]);
    // The bot being added to the team: no welcome menu in the helpdesk channel.
    const added = await fromAgent(HELPDESK_CHANNEL, SATO, { type: 'conversationUpdate', membersAdded: [BOT], text: undefined });
    expect(added).toEqual([]);
    // Nothing of this looks like a dialog answer.
    for (const text of [...texts(top), ...texts(strayReply)]) expect(text).not.toContain(PHRASES.certPassword);
  });

  it('a click before the card is taken can resolve it; a message before taking is refused', async () => {
    const user = `a:${randomUUID()}`;
    const opened = await fromUser(user, { type: 'message', text: '担当者' });
    const create = opened.find((c) => c.url === '/v3/conversations')!;
    const thread = create.created!.id;
    const ticketId = (create.body.activity as CardActivity & { attachments: Array<{ content: { actions: Array<{ data: HandoffButtonData }> } }> }).attachments[0]!.content.actions[0]!.data.ticketId;

    const tooEarly = await fromAgent(thread, SATO, mentioning('こんにちは'));
    expect(inConversation(tooEarly, user)).toEqual([]);
    expect(texts(tooEarly)).toEqual([P.refused(`${ticketId} はまだ誰も対応していません。先に「対応する」を押してください`)]);

    const resolve = await fromAgent(thread, SUZUKI, { text: P.resolve, value: { handoff: 'resolve', ticketId } });
    expect(texts(inConversation(resolve, user))).toEqual([HANDOFF_PHRASES.resolved]);
    expect((await getTicket(ticketId)).agent).toBe('鈴木');

    const again = await fromAgent(thread, SATO, { text: P.resolve, value: { handoff: 'resolve', ticketId } });
    expect(texts(again)).toEqual([P.refused(`${ticketId} は完了しています`)]);
  });

  it('an agent message with a password is dropped with the warning and not relayed', async () => {
    const user = `a:${randomUUID()}`;
    const opened = await fromUser(user, { type: 'message', text: '担当者' });
    const thread = opened.find((c) => c.url === '/v3/conversations')!.created!.id;
    const ticketId = (await http<{ tickets: HandoffTicket[] }>(`${server.base}/api/handoffs?status=waiting`, { auth: API_TOKEN })).json.tickets.find(
      (t) => t.helpdesk.teams?.conversationId === thread,
    )!.id;
    await fromAgent(thread, SATO, { text: P.take, value: { handoff: 'take', ticketId } });

    const secret = await fromAgent(thread, SATO, mentioning('仮パスワードは Abc12345xyz です'));
    expect(inConversation(secret, user)).toEqual([]);
    expect(texts(secret)).toEqual([PHRASES.secretWarning]);
    expect((await getTicket(ticketId)).transcript.map((l) => l.text).join('\n')).not.toContain('Abc12345xyz');
  });
});

describe('Teams helpdesk channel failures never reach the user', () => {
  let server: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    connector = await new FakeConnector().start();
    server = await startApp({ HELPDESK_TEAMS_CHANNEL_ID: HELPDESK_CHANNEL, HELPDESK_TEAMS_SERVICE_URL: connector.url, HELPDESK_API_TOKEN: API_TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    await connector?.stop();
  });

  const say = async (conversationId: string, text: string) => {
    const before = connector.calls.length;
    const res = await http(`${server.base}/api/messages`, {
      body: {
        type: 'message',
        text,
        channelId: 'msteams',
        serviceUrl: connector.url,
        conversation: { id: conversationId, conversationType: 'personal' },
        from: USER,
        recipient: BOT,
        id: `act-${randomUUID()}`,
      },
    });
    expect(res.status).toBe(200);
    return connector.since(before);
  };
  const textsTo = (calls: ConnectorCall[], conversationId: string) => calls.filter((c) => c.conversationId === conversationId).map((c) => visibleText(c.body as CardActivity));

  it('the thread cannot be created (bot not in the team): the user is still handed over, the API has the ticket', async () => {
    connector.respond = (call) => (call.url === '/v3/conversations' ? [403, { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } }] : undefined);
    try {
      const user = `a:${randomUUID()}`;
      const opened = await say(user, '担当者');
      const handoffMessage = textsTo(opened, user).find((t) => t.includes('担当者におつなぎします'));
      expect(handoffMessage).toBeDefined();
      expect(textsTo(opened, user).join('\n')).not.toContain('エラーが発生しました');
      const ticketId = /受付番号 (HD-[0-9A-F]{8})/.exec(handoffMessage!)![1]!;
      const ticket = (await http<HandoffTicket>(`${server.base}/api/handoffs/${ticketId}`, { auth: API_TOKEN })).json;
      expect(ticket.status).toBe('waiting');
      expect(ticket.helpdesk.teams).toBeUndefined();
      // The user's next message is still taken for the agent.
      expect(textsTo(await say(user, 'よろしくお願いします'), user)).toEqual([HANDOFF_PHRASES.waiting]);
    } finally {
      connector.respond = undefined;
    }
  });

  it('posting in the thread fails: the user is not told about it, and no error text lands in the thread', async () => {
    const user = `a:${randomUUID()}`;
    const opened = await say(user, '担当者');
    const thread = opened.find((c) => c.url === '/v3/conversations')!.created!.id;
    // 400, not 5xx: the connector client retries 5xx answers on its own.
    connector.respond = (call) => (call.conversationId === thread ? [400, { error: { code: 'BadArgument', message: 'refused' } }] : undefined);
    try {
      const relayed = await say(user, 'つながりますか');
      expect(textsTo(relayed, user)).toEqual([HANDOFF_PHRASES.waiting]);
      // One attempt to post the message, and no second post (such as the users' turn-error text).
      expect(textsTo(relayed, thread)).toEqual([P.fromUser('つながりますか')]);
    } finally {
      connector.respond = undefined;
    }
  });
});

/**
 * The human hand-off in Slack, end to end: the real server (createApp) with Slack over HTTP and a
 * helpdesk channel (HELPDESK_SLACK_CHANNEL), driven by signed requests to POST /slack/events as Slack
 * sends them, and a local fake of the Slack Web API that records every call. A user's DM becomes a
 * ticket in the helpdesk channel; agents take it, reply in its thread and resolve it with buttons.
 */
import '../support/quietDeprecations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { HandoffTicket, TranscriptLine } from '../../src/handoff/ticket';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { TURN_ERROR_TEXT } from '../../src/channels/channel';
import { slackToPlainText } from '../../src/channels/slack/slackHelpdesk';
import { renderTicket } from '../../src/channels/slack/slackTicketMessage';
import { buttonsOf, FAKE_BOT_ID, FAKE_BOT_USER_ID, FAKE_TEAM_ID, FakeSlackApi, mrkdwn, sectionTexts, visibleText, type PostedMessage, type SlackApiCall } from '../support/fakeSlackApi';
import { http, startApp, type RunningApp } from '../support/server';
import { appMention, blockActions, eventCallback, imMessage, newTs, sendEvent, sendInteraction, TEST_SIGNING_SECRET, unique } from '../support/slackSigning';
import { until } from '../support/until';

const BOT_TOKEN = 'xoxb-1111111111-2222222222-testtesttesttesttesttest';
const HELPDESK = 'C0HELPDESK';
const API_TOKEN = 'helpdesk-api-token-0123456789abcdef';

let fake: FakeSlackApi;
let running: RunningApp;
let endpoint: string;

beforeAll(async () => {
  fake = new FakeSlackApi();
  await fake.start();
  running = await startApp({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    HELPDESK_SLACK_CHANNEL: HELPDESK,
    HELPDESK_API_TOKEN: API_TOKEN,
  });
  endpoint = `${running.base}/slack/events`;
});

afterAll(async () => {
  await running?.close();
  await fake?.close();
});

// ---------------------------------------------------------------------------------------------
// Waiting and driving


const describePosts = (posts: PostedMessage[]) => posts.map((p, i) => `#${i + 1} ${p.channel} thread_ts=${p.thread_ts ?? '-'}\n${p.text}`).join('\n-----\n');

/** The bot's top-level posts in a DM, or its posts in one thread. */
const postsIn = (channel: string, thread_ts?: string): PostedMessage[] => fake.posts().filter((p) => p.channel === channel && p.thread_ts === thread_ts);

/** Waits until the place has more than `already` posts and returns the first new one matching `match`. */
async function nextPost(channel: string, thread_ts: string | undefined, match: (p: PostedMessage) => boolean, what: string): Promise<PostedMessage> {
  return until(
    () => `${what} in ${channel}${thread_ts ? ` thread ${thread_ts}` : ''}; so far:\n${describePosts(postsIn(channel, thread_ts))}`,
    () => postsIn(channel, thread_ts).find(match),
  );
}

/** Waits for a reply in a fresh DM: once it is there, every request sent before it has been processed or dropped. */
async function barrier(): Promise<void> {
  const channel = `D${unique()}BARRIER`;
  await sendEvent(endpoint, eventCallback(imMessage({ user: `U${unique()}BARRIER`, channel, text: 'こんにちは' }), { teamId: FAKE_TEAM_ID }));
  await nextPost(channel, undefined, () => true, 'the barrier reply');
}

/** A Slack user in their DM with the bot. */
class DmUser {
  readonly id = `U${unique()}TESTER`;
  readonly channel = `D${unique()}DMTEST`;
  private read = 0;

  async dm(text: string): Promise<void> {
    const res = await sendEvent(endpoint, eventCallback(imMessage({ user: this.id, channel: this.channel, text }), { teamId: FAKE_TEAM_ID }));
    expect(res.status).toBe(200);
  }

  async click(post: PostedMessage, label: string): Promise<void> {
    const button = buttonsOf(post).find((b) => b.label === label);
    if (!button) throw new Error(`no button 「${label}」; the message has ${JSON.stringify(buttonsOf(post).map((b) => b.label))}`);
    const payload = blockActions({ teamId: FAKE_TEAM_ID, user: this.id, channel: post.channel, message: { ts: post.ts, text: post.text, blocks: post.blocks }, action: button });
    expect((await sendInteraction(endpoint, payload)).status).toBe(200);
  }

  /** Waits for the next `count` messages the bot posts in this DM. */
  async next(count = 1): Promise<PostedMessage[]> {
    const want = this.read + count;
    const posts = await until(
      () => `${count} more message(s) in ${this.channel}; so far:\n${describePosts(this.all())}`,
      () => (this.all().length >= want ? this.all() : undefined),
    );
    const fresh = posts.slice(this.read, want);
    this.read = want;
    return fresh;
  }

  /** Waits until a message containing `text` arrives (reading everything up to it). */
  async nextContaining(text: string): Promise<PostedMessage> {
    const found = await until(
      () => `a message containing 「${text}」 in ${this.channel}; so far:\n${describePosts(this.all())}`,
      () => this.all().slice(this.read).findIndex((p) => p.text.includes(text)) + 1,
    );
    this.read += found;
    return this.all()[this.read - 1]!;
  }

  all(): PostedMessage[] {
    return postsIn(this.channel);
  }
}

/** A helpdesk agent in the helpdesk channel. */
class Agent {
  constructor(readonly id: string) {}

  /** The name the agent has in the payloads (blockActions sends the id in lower case as user.name). */
  get name(): string {
    return this.id.toLowerCase();
  }

  /** Clicks a button of the ticket message as it is now, or as first posted (a screen not yet refreshed). */
  async click(ticket: PostedMessage, label: string, { stale = false } = {}): Promise<void> {
    const current = stale ? ticket : latestTicket(ticket);
    const button = buttonsOf(current).find((b) => b.label === label);
    if (!button) throw new Error(`no button 「${label}」 on the ticket; it has ${JSON.stringify(buttonsOf(current).map((b) => b.label))}`);
    const payload = blockActions({ teamId: FAKE_TEAM_ID, user: this.id, channel: ticket.channel, message: { ts: ticket.ts, text: current.text, blocks: current.blocks }, action: button });
    expect((await sendInteraction(endpoint, payload)).status).toBe(200);
  }

  /** A reply in the ticket's thread (message.channels). */
  async reply(ticket: PostedMessage, text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const ts = newTs();
    const event = { type: 'message', channel: HELPDESK, channel_type: 'channel', user: this.id, text, ts, thread_ts: ticket.ts, ...extra };
    expect((await sendEvent(endpoint, eventCallback(event, { teamId: FAKE_TEAM_ID }))).status).toBe(200);
    return ts;
  }
}

/** The ticket message as it is now: the first post, or its latest chat.update. */
function latestTicket(ticket: PostedMessage): PostedMessage {
  const updates = fake.callsOf('chat.update').filter((c) => c.params.channel === ticket.channel && c.params.ts === ticket.ts);
  const last = updates.at(-1);
  if (!last) return ticket;
  return { channel: ticket.channel, ts: ticket.ts, text: String(last.params.text ?? ''), blocks: Array.isArray(last.params.blocks) ? last.params.blocks : [] };
}

/** Waits for the n-th chat.update of the ticket message. */
async function ticketUpdate(ticket: PostedMessage, n: number): Promise<PostedMessage> {
  await until(`chat.update #${n} of the ticket`, () => fake.callsOf('chat.update').filter((c) => c.params.ts === ticket.ts).length >= n);
  return latestTicket(ticket);
}

const ephemeralsFor = (user: string): SlackApiCall[] => fake.callsOf('chat.postEphemeral').filter((c) => c.params.user === user);

async function getTicket(id: string): Promise<{ status: number; text: string; json: HandoffTicket }> {
  return http<HandoffTicket>(`${running.base}/api/handoffs/${id}`, { auth: API_TOKEN });
}

/** Walks a fresh DM through part of the certificate dialog, pastes a password, then asks for a person. */
async function userAsksForAPerson(user: DmUser, secret: string): Promise<{ ticket: PostedMessage; ticketId: string }> {
  await user.dm('こんにちは');
  const [menu] = await user.next(1);
  await user.click(menu!, MENU.certificate);
  const [password] = await user.next(1);
  await user.click(password!, CHOICES.certPassword.have);
  const [login] = await user.next(1);
  await user.click(login!, CHOICES.login.yes);
  const [history] = await user.next(1);
  expect(history!.text).toContain(PHRASES.certHistory);

  // The user pastes a password: warned, dropped, and the same question is asked again.
  await user.dm(`パスワードは ${secret} です`);
  await user.nextContaining(PHRASES.secretWarning);
  const again = await user.nextContaining(PHRASES.certHistory);
  await user.click(again, CHOICES.history.no);
  await user.nextContaining(PHRASES.solvedQuestion);

  await user.dm('担当者');
  const opened = await user.nextContaining('担当者におつなぎします');
  const ticketId = /受付番号 (HD-[0-9A-F]{8})/.exec(opened.text)?.[1];
  expect(ticketId, opened.text).toBeDefined();
  const ticket = await nextPost(HELPDESK, undefined, (p) => p.text.includes(ticketId!), `the ticket ${ticketId}`);
  expect(user.all().map((p) => p.text).join('\n')).not.toContain(TURN_ERROR_TEXT);
  return { ticket, ticketId: ticketId! };
}

function expectSecretNowhere(secret: string): void {
  for (const call of fake.calls) {
    expect(call.rawBody, `${call.method} sent the secret`).not.toContain(secret);
    expect(decodeURIComponent(call.rawBody.replace(/\+/g, ' ')), `${call.method} sent the secret`).not.toContain(secret);
    expect(JSON.stringify(call.params), `${call.method} sent the secret`).not.toContain(secret);
  }
}

// ---------------------------------------------------------------------------------------------

describe('Slack helpdesk: a DM handed to an agent and back', () => {
  it('posts the ticket with facts and a redacted transcript; take, replies both ways, a refused second take, resolve', async () => {
    const secret = 'Zx81secretPw';
    const user = new DmUser();
    const { ticket, ticketId } = await userAsksForAPerson(user, secret);

    // ---- The ticket in the helpdesk channel: top level, the facts, the transcript, the buttons.
    expect(ticket.channel).toBe(HELPDESK);
    expect(ticket.thread_ts).toBeUndefined();
    expect(ticket.text).toContain(ticketId);
    expect(ticket.text).toContain('対応待ち');
    const sections = sectionTexts(ticket).join('\n');
    const stored = (await getTicket(ticketId)).json;
    expect(sections).toContain(mrkdwn(stored.summary));
    expect(stored.summary).toContain('電子証明書');
    for (const [title, value] of [
      ['状態', '対応待ち'],
      ['利用者', `<@${user.id}>`],
      ['チャネル', 'Slack'],
      ['証明書発行用パスワード', '手元にある'],
      ['電子請求受付システムへのログイン', 'ログインできる'],
      ['介護保険証明書の発行履歴', '発行履歴なし'],
    ]) {
      expect(sections, `field ${title}`).toContain(`*${title}*\n${value}`);
    }
    expect(stored.facts.shownEntries).toContain('cert-install-dx');
    expect(sections).toContain(`*案内済みの手順*\n${stored.facts.shownEntries.join(', ')}`);
    // The transcript: speakers marked, the latest lines, the password nowhere.
    const transcript = sectionTexts(ticket).find((s) => s.startsWith('*これまでのやり取り*'));
    expect(transcript).toBeDefined();
    expect(transcript!.length).toBeLessThanOrEqual(3000);
    expect(transcript).toContain(`利用者: ${mrkdwn(MENU.certificate)}`);
    expect(transcript).toContain(`ボット: `);
    expect(transcript).toContain('利用者: 担当者');
    const buttons = buttonsOf(ticket);
    expect(buttons.map((b) => [b.label, b.action_id, b.value])).toEqual([
      ['対応する', 'handoff-take', ticketId],
      ['完了', 'handoff-resolve', ticketId],
    ]);
    for (const s of sectionTexts(ticket)) expect(s.length).toBeLessThanOrEqual(3000);

    // The ticket knows where it was posted.
    expect(stored.status).toBe('waiting');
    expect(stored.helpdesk.slack).toEqual({ channel: HELPDESK, ts: ticket.ts });

    // ---- Agent A takes it: the user is told, the message shows who, only 完了 is left, a note in the thread.
    const agentA = new Agent('U0AGENTA');
    await agentA.click(ticket, '対応する');
    const taken = await user.nextContaining(HANDOFF_PHRASES.taken(agentA.name));
    expect(taken.thread_ts).toBeUndefined();
    const afterTake = await ticketUpdate(ticket, 1);
    expect(afterTake.text).toContain(`対応中（${agentA.name}）`);
    expect(sectionTexts(afterTake).join('\n')).toContain(`*状態*\n対応中（${agentA.name}）`);
    expect(buttonsOf(afterTake).map((b) => b.action_id)).toEqual(['handoff-resolve']);
    await nextPost(HELPDESK, ticket.ts, (p) => p.text.includes(`${agentA.name} さんが対応を開始しました`), 'the take note');
    expect((await getTicket(ticketId)).json).toMatchObject({ status: 'in-progress', agent: agentA.name });

    // ---- Agent A replies in the thread: the user gets it in the DM; it is not echoed back into the thread.
    const threadBefore = postsIn(HELPDESK, ticket.ts).length;
    await agentA.reply(ticket, `<@${FAKE_BOT_USER_ID}> 証明書の画面で「エラー」&amp;表示を確認します。 &lt;少々お待ちください&gt;`);
    const fromAgent = await user.nextContaining(`担当者（${agentA.name}）`);
    expect(fromAgent.text).toContain(HANDOFF_PHRASES.fromAgent(agentA.name, '証明書の画面で「エラー」&表示を確認します。 <少々お待ちください>'));
    expect(fromAgent.thread_ts).toBeUndefined();

    // ---- The user answers in the DM: it appears in the thread, and the bot stays quiet in the DM.
    const dmBefore = user.all().length;
    await user.dm('Windows 11 で、ブラウザは Edge です');
    const relayed = await nextPost(HELPDESK, ticket.ts, (p) => p.text.includes('Windows 11'), 'the user’s answer in the thread');
    expect(relayed.text).toBe('利用者: Windows 11 で、ブラウザは Edge です');

    await barrier();
    expect(user.all().length, 'the bot said nothing in the DM (no dialog reply, no 担当者に伝えました)').toBe(dmBefore);
    // Nothing was echoed: the thread got the user's line only, not agent A's own reply.
    expect(postsIn(HELPDESK, ticket.ts).slice(threadBefore).map((p) => p.text)).toEqual([relayed.text]);

    // ---- A second agent's 対応する (on a screen not yet refreshed) is refused, clearly and only to them.
    const agentB = new Agent('U0AGENTB');
    await agentB.click(ticket, '対応する', { stale: true });
    const refusal = await until('the ephemeral refusal to agent B', () => ephemeralsFor(agentB.id)[0]);
    expect(refusal.params.channel).toBe(HELPDESK);
    expect(refusal.params.text).toContain(ticketId);
    expect(refusal.params.text).toContain(`${agentA.name} が対応中です`);
    expect((await getTicket(ticketId)).json).toMatchObject({ status: 'in-progress', agent: agentA.name });
    await barrier();
    expect(user.all().length, 'the user heard nothing of it').toBe(dmBefore);
    expect(fake.callsOf('chat.update').filter((c) => c.params.ts === ticket.ts)).toHaveLength(1);

    // ---- A reply through the helpdesk API (another tool) is shown in the thread, once.
    const viaApi = await http(`${running.base}/api/handoffs/${ticketId}/messages`, { auth: API_TOKEN, body: { agent: agentA.name, text: 'ポータルから: 再起動をお試しください' } });
    expect(viaApi.status).toBe(200);
    await user.nextContaining('ポータルから');
    const apiNote = await nextPost(HELPDESK, ticket.ts, (p) => p.text.includes('ポータルから'), 'the API reply in the thread');
    expect(apiNote.text).toBe(`担当者 (${agentA.name}): ポータルから: 再起動をお試しください`);

    // ---- 完了: the user is back with the bot; the message has no buttons left; a note in the thread.
    await agentA.click(ticket, '完了');
    const back = await user.nextContaining(HANDOFF_PHRASES.resolved);
    expect(back.thread_ts).toBeUndefined();
    const afterResolve = await ticketUpdate(ticket, 2);
    expect(afterResolve.text).toContain(`${ticketId}｜完了`);
    expect(sectionTexts(afterResolve).join('\n')).toContain(`*状態*\n完了`);
    expect(sectionTexts(afterResolve).join('\n')).toContain(`*担当者*\n${agentA.name}`);
    expect(buttonsOf(afterResolve)).toEqual([]);
    expect(afterResolve.blocks.some((b) => b.type === 'actions')).toBe(false);
    await nextPost(HELPDESK, ticket.ts, (p) => p.text.includes('対応を完了しました'), 'the resolve note');
    expect((await getTicket(ticketId)).json.status).toBe('resolved');

    // The next DM gets a normal bot answer, and goes nowhere near the helpdesk.
    const threadAfter = postsIn(HELPDESK, ticket.ts).length;
    await user.dm('こんにちは');
    const welcome = await user.nextContaining(PHRASES.welcome);
    expect(buttonsOf(welcome).map((b) => b.label)).toEqual(Object.values(MENU));
    await barrier();
    expect(postsIn(HELPDESK, ticket.ts)).toHaveLength(threadAfter);

    // A late reply in the closed thread is refused to its author, not delivered.
    const dmAfter = user.all().length;
    await agentA.reply(ticket, 'まだいらっしゃいますか');
    const late = await until('the refusal of a reply after 完了', () => ephemeralsFor(agentA.id)[0]);
    expect(late.params.text).toContain('完了しています');
    expect(late.params.thread_ts).toBe(ticket.ts);
    await barrier();
    expect(user.all()).toHaveLength(dmAfter);

    // ---- The password: in no Web API call, and not in the ticket the API serves.
    expectSecretNowhere(secret);
    const api = await getTicket(ticketId);
    expect(api.status).toBe(200);
    expect(api.text).not.toContain(secret);
    expect(api.json.transcript.map((l) => l.from)).toContain('agent');
  });
});

describe('Slack helpdesk: what else happens in the helpdesk channel', () => {
  it('a reply in a ticket thread before anyone took it is refused to its author', async () => {
    const user = new DmUser();
    const { ticket, ticketId } = await userAsksForAPerson(user, 'Qw12secretPw');
    const agent = new Agent(`U${unique()}EARLY`);
    const dmBefore = user.all().length;
    await agent.reply(ticket, 'こんにちは、確認します');
    const refusal = await until('the refusal', () => ephemeralsFor(agent.id)[0]);
    expect(refusal.params.text).toContain(`${ticketId} はまだ誰も対応していません`);
    expect(refusal.params.thread_ts).toBe(ticket.ts);
    await barrier();
    expect(user.all()).toHaveLength(dmBefore);
    expectSecretNowhere('Qw12secretPw');
  });

  it('the user’s messages while waiting reach the thread, with the waiting notice in the DM', async () => {
    const user = new DmUser();
    const { ticket } = await userAsksForAPerson(user, 'Er45secretPw');
    await user.dm('急ぎです');
    await user.nextContaining(HANDOFF_PHRASES.waiting);
    const relayed = await nextPost(HELPDESK, ticket.ts, (p) => p.text.includes('急ぎです'), 'the relayed message');
    expect(relayed.text).toBe('利用者: 急ぎです');
  });

  it('relays a thread reply once: Slack retries, the bot’s own messages, edits and top-level chatter are ignored; a mention in the thread is not a bot conversation', async () => {
    const user = new DmUser();
    const { ticket } = await userAsksForAPerson(user, 'Ty67secretPw');
    const agent = new Agent(`U${unique()}AGENT`);
    await agent.click(ticket, '対応する');
    await user.nextContaining('が対応します');

    // The same event twice (a Slack retry).
    const ts = newTs();
    const event = { type: 'message', channel: HELPDESK, channel_type: 'channel', user: agent.id, text: '一度だけ届くはず', ts, thread_ts: ticket.ts };
    const body = JSON.stringify(eventCallback(event, { teamId: FAKE_TEAM_ID }));
    await sendEvent(endpoint, body);
    await sendEvent(endpoint, body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    // The bot's own note in the thread, an edit, a top-level message and a reply in some other thread.
    await sendEvent(endpoint, eventCallback({ type: 'message', channel: HELPDESK, channel_type: 'channel', user: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID, text: 'ボット自身', ts: newTs(), thread_ts: ticket.ts }, { teamId: FAKE_TEAM_ID }));
    await sendEvent(
      endpoint,
      eventCallback({ type: 'message', subtype: 'message_changed', channel: HELPDESK, channel_type: 'channel', hidden: true, ts: newTs(), message: { type: 'message', user: agent.id, text: '編集後', ts, thread_ts: ticket.ts } }, { teamId: FAKE_TEAM_ID }),
    );
    await sendEvent(endpoint, eventCallback({ type: 'message', channel: HELPDESK, channel_type: 'channel', user: agent.id, text: 'チャンネルの雑談', ts: newTs() }, { teamId: FAKE_TEAM_ID }));
    await sendEvent(endpoint, eventCallback({ type: 'message', channel: HELPDESK, channel_type: 'channel', user: agent.id, text: '別スレッド', ts: newTs(), thread_ts: newTs() }, { teamId: FAKE_TEAM_ID }));
    // "@bot" in the ticket thread: both message and app_mention arrive; it goes to the user, the bot does not answer.
    const mentionTs = newTs();
    const mentionText = `<@${FAKE_BOT_USER_ID}> メンション付きの返信`;
    await sendEvent(endpoint, eventCallback({ type: 'message', channel: HELPDESK, channel_type: 'channel', user: agent.id, text: mentionText, ts: mentionTs, thread_ts: ticket.ts }, { teamId: FAKE_TEAM_ID }));
    await sendEvent(endpoint, eventCallback(appMention({ user: agent.id, channel: HELPDESK, text: mentionText, ts: mentionTs, thread_ts: ticket.ts }), { teamId: FAKE_TEAM_ID }));

    await user.nextContaining('メンション付きの返信');
    // A file with a comment: the comment is relayed, the agent is told the file is not.
    await agent.reply(ticket, 'スクリーンショットを送ります', { subtype: 'file_share', files: [{ id: 'F0SCREEN', name: 'screen.png' }] });
    await user.nextContaining('スクリーンショットを送ります');
    const fileNote = await until('the note that files are not relayed', () => ephemeralsFor(agent.id)[0]);
    expect(fileNote.params.text).toBe('ファイルは利用者に転送されません。内容を文章で返信してください。');
    expect(fileNote.params.thread_ts).toBe(ticket.ts);
    await barrier();
    const texts = user.all().map((p) => p.text);
    expect(texts.filter((t) => t.includes('一度だけ届くはず'))).toHaveLength(1);
    expect(texts.find((t) => t.includes('メンション付きの返信'))).toBe(HANDOFF_PHRASES.fromAgent(agent.name, 'メンション付きの返信'));
    for (const ignored of ['ボット自身', '編集後', 'チャンネルの雑談', '別スレッド']) expect(texts.join('\n')).not.toContain(ignored);
    // The bot posted nothing of its own in the thread beyond the take note: no dialog, no echo.
    expect(postsIn(HELPDESK, ticket.ts).map((p) => p.text)).toEqual([expect.stringContaining('さんが対応を開始しました')]);
    expect(fake.posts().filter((p) => p.channel === HELPDESK && p.thread_ts === undefined && p.ts !== ticket.ts && p.text.includes(ticket.ts))).toEqual([]);
  });

  it('a mention at the top level of the helpdesk channel still reaches the bot', async () => {
    const ts = newTs();
    await sendEvent(endpoint, eventCallback(appMention({ user: `U${unique()}AGENT`, channel: HELPDESK, text: `<@${FAKE_BOT_USER_ID}> ${MENU.certificate}`, ts }), { teamId: FAKE_TEAM_ID }));
    const answer = await nextPost(HELPDESK, ts, () => true, 'the bot’s answer in the mention’s thread');
    expect(answer.text).toContain(PHRASES.certPassword);
  });
});

describe('Slack helpdesk: rendering', () => {
  it('keeps a long transcript within one 3000-character section, newest lines kept, mrkdwn escaped', () => {
    const transcript: TranscriptLine[] = Array.from({ length: 40 }, (_, i) => ({ from: (['user', 'bot', 'agent'] as const)[i % 3]!, text: `${i}: ${'あ<b>&'.repeat(200)}`, at: '2026-11-19T01:00:00.000Z' }));
    const ticket: HandoffTicket = {
      id: 'HD-0000ABCD',
      status: 'waiting',
      reason: 'requested',
      channel: 'directline',
      conversation: {},
      userName: '<!channel>',
      facts: { shownEntries: [], feedback: [], unanswered: [] },
      summary: '詳細未確認 — 担当者との会話を希望',
      transcript,
      createdAt: '2026-11-19T01:00:00.000Z',
      helpdesk: {},
    };
    const { text, blocks } = renderTicket(ticket);
    const post: PostedMessage = { channel: HELPDESK, ts: '1', text, blocks: blocks as unknown as PostedMessage['blocks'] };
    const sections = sectionTexts(post);
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);
    const section = sections.find((s) => s.startsWith('*これまでのやり取り*'))!;
    expect(section).toContain('39: ');
    expect(section).not.toContain('\n利用者: 0: ');
    expect(section).not.toContain('<b>');
    expect(visibleText(post)).not.toContain('<!channel>');
    expect(sections.join('\n')).toContain('*利用者*\n&lt;!channel&gt;');
    expect(sections.join('\n')).toContain('*チャネル*\nWeb チャット');
  });

  it('turns an agent’s Slack markup into plain text for the user', () => {
    expect(slackToPlainText(`<@${FAKE_BOT_USER_ID}> 確認します`, FAKE_BOT_USER_ID)).toBe('確認します');
    expect(slackToPlainText('<https://example.org/faq|FAQ> と <https://example.org/a> と <#C123|general> と <@U9|suzuki> &amp; &lt;x&gt;')).toBe(
      'FAQ (https://example.org/faq) と https://example.org/a と #general と @suzuki & <x>',
    );
  });
});

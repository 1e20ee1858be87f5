/**
 * Slack end to end: the real server (createApp) with Slack over HTTP, driven by signed requests to
 * POST /slack/events exactly as Slack sends them (Events API JSON, interactivity form posts), and a
 * local fake of the Slack Web API that records every chat.postMessage: what a Slack user would see.
 */
import '../support/quietDeprecations';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { TURN_ERROR_TEXT } from '../../src/channels/channel';
import {
  buttonsOf,
  contextTexts,
  FAKE_BOT_ID,
  FAKE_BOT_USER_ID,
  FAKE_TEAM_ID,
  FakeSlackApi,
  mrkdwn,
  sectionTexts,
  visibleText,
  type PostedMessage,
} from '../support/fakeSlackApi';
import { startApp, type RunningApp } from '../support/server';
import {
  appMention,
  blockActions,
  eventCallback,
  imMessage,
  newTs,
  nowSeconds,
  sendEvent,
  sendInteraction,
  sendToSlack,
  TEST_SIGNING_SECRET,
  unique,
  type SendOptions,
  type SlackResponse,
} from '../support/slackSigning';
import { kb } from '../support/testBot';
import { until } from '../support/until';

const BOT_TOKEN = 'xoxb-1111111111-2222222222-testtesttesttesttesttest';

let fake: FakeSlackApi;
let running: RunningApp;
let endpoint: string;

beforeAll(async () => {
  fake = new FakeSlackApi();
  await fake.start();
  running = await startApp({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.url });
  endpoint = `${running.base}/slack/events`;
});

afterAll(async () => {
  await running?.close();
  await fake?.close();
});

// ---------------------------------------------------------------------------------------------
// Waiting and driving


const describePosts = (posts: PostedMessage[]) => posts.map((p, i) => `#${i + 1} thread_ts=${p.thread_ts ?? '-'}\n${p.text}`).join('\n-----\n');

/** Where the bot's replies of one conversation go: a DM, or one thread of a channel. */
interface Place {
  channel: string;
  thread_ts?: string;
}

/** Every message the bot posted to that DM (top level) or that thread, in order. */
const postsIn = ({ channel, thread_ts }: Place): PostedMessage[] => fake.posts().filter((p) => p.channel === channel && p.thread_ts === thread_ts);
const postsInChannel = (channel: string): PostedMessage[] => fake.posts().filter((p) => p.channel === channel);

/**
 * One Slack user talking to the bot in one place, reading its replies in order: `next(n)` waits for
 * the n messages the bot posts after the ones already read.
 */
class SlackUser {
  private read = 0;
  readonly id: string;

  constructor(
    readonly place: Place,
    id?: string,
  ) {
    this.id = id ?? `U${unique()}TESTER`;
  }

  /** Sends a DM (message.im) and returns the HTTP response. */
  dm(text: string, options: SendOptions & { ts?: string } = {}): Promise<SlackResponse> {
    return sendEvent(endpoint, eventCallback(imMessage({ user: this.id, channel: this.place.channel, text, ...(options.ts ? { ts: options.ts } : {}) }), { teamId: FAKE_TEAM_ID }), options);
  }

  /** "@bot text" in the channel: in this user's thread when it has one, else top level (which starts the thread). */
  mention(text: string, ts = newTs()): Promise<SlackResponse> {
    const event = appMention({ user: this.id, channel: this.place.channel, text: `<@${FAKE_BOT_USER_ID}> ${text}`, ts, ...(this.place.thread_ts ? { thread_ts: this.place.thread_ts } : {}) });
    return sendEvent(endpoint, eventCallback(event, { teamId: FAKE_TEAM_ID }));
  }

  /** Clicks the button with this label on a message the bot posted. */
  click(post: PostedMessage, label: string): Promise<SlackResponse> {
    const button = buttonsOf(post).find((b) => b.label === label);
    if (!button) throw new Error(`no button 「${label}」 on the message; it has ${JSON.stringify(buttonsOf(post).map((b) => b.label))}:\n${post.text}`);
    const payload = blockActions({
      teamId: FAKE_TEAM_ID,
      user: this.id,
      channel: post.channel,
      message: { ts: post.ts, ...(post.thread_ts ? { thread_ts: post.thread_ts } : {}), text: post.text, blocks: post.blocks },
      action: button,
      responseUrl: `${fake.url}response_url`,
    });
    return sendInteraction(endpoint, payload);
  }

  /** Waits for the next `count` messages the bot posts here and returns them. */
  async next(count = 1): Promise<PostedMessage[]> {
    const want = this.read + count;
    const posts = await until(() => `${count} more message(s) in ${JSON.stringify(this.place)}; so far:\n${describePosts(postsIn(this.place))}`, () => {
      const all = postsIn(this.place);
      return all.length >= want ? all : undefined;
    });
    const fresh = posts.slice(this.read, want);
    this.read = want;
    return fresh;
  }

  /** All the bot posted here so far. */
  all(): PostedMessage[] {
    return postsIn(this.place);
  }
}

let places = 0;
const dmPlace = (): Place => ({ channel: `D${++places}DMTEST` });
const channelId = (): string => `C${++places}CHANNEL`;

/** Waits for a reply in a fresh DM: once it is there, every request sent before it has been processed or dropped. */
async function barrier(): Promise<void> {
  const user = new SlackUser(dmPlace());
  expect((await user.dm('こんにちは')).status).toBe(200);
  await user.next(1);
}

// ---------------------------------------------------------------------------------------------
// Expectations, from the phrases and the knowledge base

const entry = (id: string) => {
  const found = kb.byId.get(id);
  if (!found) throw new Error(`unknown knowledge entry ${id}`);
  return found;
};

function expectQuestion(post: PostedMessage | undefined, question: string, labels: readonly string[]): PostedMessage {
  expect(post, 'the bot posted nothing').toBeDefined();
  expect(post!.text, 'text fallback').toContain(question);
  expect(sectionTexts(post!).join('\n'), 'section blocks').toContain(mrkdwn(question));
  expect(buttonsOf(post!).map((b) => b.label)).toEqual([...labels]);
  return post!;
}

function expectPromptButtons(post: PostedMessage): string {
  const buttons = buttonsOf(post);
  const values = buttons.map((b) => JSON.parse(b.value) as { choice: string; promptId?: string });
  expect(buttons.map((b) => b.action_id)).toEqual(buttons.map((_, i) => `choice-${i}`));
  expect(values.map((v) => v.choice)).toEqual(buttons.map((b) => b.label));
  const promptId = values[0]?.promptId;
  expect(promptId, 'a question carries its promptId, so an old click is recognised').toMatch(/^[0-9a-f]{8}$/);
  expect(values.every((v) => v.promptId === promptId)).toBe(true);
  return promptId!;
}

const PASSWORD_CHOICES = [CHOICES.certPassword.have, CHOICES.certPassword.missing];
const LOGIN_CHOICES = [CHOICES.login.yes, CHOICES.login.no];
const HISTORY_CHOICES = [CHOICES.history.yes, CHOICES.history.no, CHOICES.history.unknown, CHOICES.history.proxy];
const MENU_LABELS = Object.values(MENU);

/** Walks a fresh DM from the greeting to the 発行履歴 question, by clicking. */
async function dmToHistoryQuestion(user: SlackUser): Promise<PostedMessage> {
  await user.dm('こんにちは');
  const [menu] = await user.next(1);
  await user.click(menu!, MENU.certificate);
  const [password] = await user.next(1);
  expectQuestion(password, PHRASES.certPassword, PASSWORD_CHOICES);
  await user.click(password!, CHOICES.certPassword.have);
  const [login] = await user.next(1);
  expectQuestion(login, PHRASES.certLogin, LOGIN_CHOICES);
  await user.click(login!, CHOICES.login.yes);
  const [history] = await user.next(1);
  return expectQuestion(history, PHRASES.certHistory, HISTORY_CHOICES);
}

// ---------------------------------------------------------------------------------------------

describe('Slack: the Request URL handshake', () => {
  it('answers url_verification with the challenge (when signed)', async () => {
    const challenge = `3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P${unique()}`;
    const res = await sendEvent(endpoint, { token: 'legacy-verification-token', challenge, type: 'url_verification' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge });
  });

  it('answers ssl_check with 200 and an empty body (Slack does not sign it)', async () => {
    const res = await sendToSlack(endpoint, 'ssl_check=1&token=legacy-verification-token', 'application/x-www-form-urlencoded', { unsigned: true });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('refuses an unsigned url_verification', async () => {
    const res = await sendToSlack(endpoint, JSON.stringify({ challenge: 'x', type: 'url_verification' }), 'application/json', { unsigned: true });
    expect(res.status).toBe(401);
  });

  it('called auth.test with the bot token at start (Bolt), and only chat.postMessage otherwise', async () => {
    await barrier();
    const authTests = fake.callsOf('auth.test');
    expect(authTests.length).toBeGreaterThanOrEqual(1);
    const sentToken = authTests[0]!.authorization ?? `Bearer ${authTests[0]!.params.token}`;
    expect(sentToken).toBe(`Bearer ${BOT_TOKEN}`);
    expect(new Set(fake.calls.map((c) => c.method))).toEqual(new Set(['auth.test', 'chat.postMessage']));
  });
});

describe('Slack: a direct message', () => {
  it('is greeted with the welcome and the menu as buttons, at the top level of the DM', async () => {
    const user = new SlackUser(dmPlace());
    const res = await user.dm('こんにちは');
    expect(res.status).toBe(200);
    const [post] = await user.next(1);

    expect(post!.channel).toBe(user.place.channel);
    expect(post!.thread_ts).toBeUndefined();
    // The notification text: the welcome and the menu question.
    expect(post!.text).toContain(PHRASES.welcome);
    expect(post!.text).toContain(PHRASES.menu);
    // The message: one section per paragraph, then the menu as buttons.
    expect(sectionTexts(post!)).toEqual([mrkdwn(PHRASES.welcome), mrkdwn(PHRASES.menu)]);
    expect(post!.blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions']);
    const buttons = buttonsOf(post!);
    expect(buttons.map((b) => b.label)).toEqual(MENU_LABELS);
    expect(buttons.map((b) => b.action_id)).toEqual(MENU_LABELS.map((_, i) => `choice-${i}`));
    expect(buttons.map((b) => (JSON.parse(b.value) as { choice: string }).choice)).toEqual(MENU_LABELS);
    // Sent as the bot, with the bot token.
    const call = fake.callsOf('chat.postMessage').find((c) => c.ts === post!.ts)!;
    expect(call.authorization ?? `Bearer ${call.params.token}`).toBe(`Bearer ${BOT_TOKEN}`);
  });

  it('is acked at once: the 200 comes within 3 s, before the bot has finished replying', async () => {
    const user = new SlackUser(dmPlace());
    fake.postMessageDelayMs = 1_500;
    try {
      const res = await user.dm('こんにちは');
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeLessThan(3_000);
      const [post] = await user.next(1);
      const call = fake.callsOf('chat.postMessage').find((c) => c.ts === post!.ts)!;
      // The bot's turn ends only when chat.postMessage has answered; the ack came before that.
      const answeredAt = await until('the delayed chat.postMessage answer', () => call.respondedAt);
      expect(res.at).toBeLessThan(answeredAt);
    } finally {
      fake.postMessageDelayMs = 0;
    }
  });

  it('ignores the bot’s own messages in the DM (no reply loop)', async () => {
    const place = dmPlace();
    const own = imMessage({ user: FAKE_BOT_USER_ID, channel: place.channel, text: PHRASES.welcome, extra: { bot_id: FAKE_BOT_ID, app_id: 'A0HELPDESK' } });
    expect((await sendEvent(endpoint, eventCallback(own, { teamId: FAKE_TEAM_ID }))).status).toBe(200);
    await barrier();
    expect(postsInChannel(place.channel)).toEqual([]);
  });

  it('ignores edits and other message subtypes', async () => {
    const place = dmPlace();
    const edited = {
      type: 'message',
      subtype: 'message_changed',
      channel_type: 'im',
      channel: place.channel,
      hidden: true,
      ts: newTs(),
      message: { type: 'message', user: 'U0EDITOR', text: '電子証明書のインストール', ts: newTs(), edited: { user: 'U0EDITOR', ts: newTs() } },
    };
    expect((await sendEvent(endpoint, eventCallback(edited, { teamId: FAKE_TEAM_ID }))).status).toBe(200);
    await barrier();
    expect(postsInChannel(place.channel)).toEqual([]);
  });
});

describe('Slack: buttons walk the certificate dialog', () => {
  it('clicks lead from the menu to the 3-1 介護DX証明書 steps, each step its own section, with 出典, then 解決しましたか？', async () => {
    const user = new SlackUser(dmPlace());
    await user.dm('こんにちは');
    const [menu] = await user.next(1);

    const click = await user.click(menu!, MENU.certificate);
    expect(click.status).toBe(200);
    expect(click.elapsedMs).toBeLessThan(3_000);
    const [password] = await user.next(1);
    expectQuestion(password, PHRASES.certPassword, PASSWORD_CHOICES);
    const passwordPrompt = expectPromptButtons(password!);

    await user.click(password!, CHOICES.certPassword.have);
    const [login] = await user.next(1);
    expectQuestion(login, PHRASES.certLogin, LOGIN_CHOICES);
    expect(expectPromptButtons(login!), 'each question has its own promptId').not.toBe(passwordPrompt);

    await user.click(login!, CHOICES.login.yes);
    const [history] = await user.next(1);
    expectQuestion(history, PHRASES.certHistory, HISTORY_CHOICES);

    expect((await user.click(history!, CHOICES.history.no)).status).toBe(200);
    const [install, verify, solved] = await user.next(3);

    // 3-1: heading, one section per numbered step in the guide's order, the 出典 line.
    const dx = entry('cert-install-dx');
    expect(dx.steps).toHaveLength(13);
    expect(install!.text.split('\n')[0]).toBe(`【${dx.title}】`);
    expect(install!.text).toContain('【介護DX証明書のインストール】');
    const sections = sectionTexts(install!);
    expect(sections[0]).toBe(`*${mrkdwn(dx.title)}*`);
    const stepSections = sections.filter((s) => /^\*\d+\.\* /.test(s));
    expect(stepSections).toHaveLength(13);
    dx.steps.forEach((step, i) => {
      expect(stepSections[i]!.startsWith(`*${i + 1}.* ${mrkdwn(step.text)}`), `step ${i + 1}: ${stepSections[i]}`).toBe(true);
      for (const note of step.notes) expect(stepSections[i]).toContain(mrkdwn(note.replace(/^※/, '')));
      expect(install!.text).toContain(`${i + 1}. ${step.text}`);
    });
    expect(contextTexts(install!)).toHaveLength(1);
    expect(contextTexts(install!)[0]).toMatch(/^出典: スタートガイド 電子証明書インストール手順 3-1 介護DX証明書のインストール/);
    expect(install!.text).toContain('出典: スタートガイド 電子証明書インストール手順 3-1 介護DX証明書のインストール');
    expect(buttonsOf(install!)).toEqual([]);
    // Slack's limits: at most 50 blocks, 3000 characters per section.
    expect(install!.blocks.length).toBeLessThanOrEqual(50);
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);

    // Then how to check the install, and the feedback question.
    expect(verify!.text).toContain(`【${entry('cert-verify').title}】`);
    expect(verify!.text).toContain(PHRASES.certAfterInstall);
    expect(contextTexts(verify!)[0]).toMatch(/^出典: /);
    expectQuestion(solved, PHRASES.solvedQuestion, ['はい', 'いいえ']);
    expectPromptButtons(solved!);

    // All in the DM itself: no thread.
    for (const post of user.all()) expect(post.thread_ts).toBeUndefined();
    expect(user.all()).toHaveLength(7);

    // はい closes the loop.
    await user.click(solved!, 'はい');
    const [thanks] = await user.next(1);
    expect(thanks!.text).toContain(PHRASES.solvedThanks);
  });

  it('answers a click on an old button with the stale-click notice; the current question still works', async () => {
    const user = new SlackUser(dmPlace());
    await user.dm('こんにちは');
    const [menu] = await user.next(1);
    await user.click(menu!, MENU.certificate);
    const [password] = await user.next(1);
    await user.click(password!, CHOICES.certPassword.have);
    const [login] = await user.next(1);
    expectQuestion(login, PHRASES.certLogin, LOGIN_CHOICES);

    // The password question's button again: its promptId is no longer the one waiting.
    expect(JSON.parse(buttonsOf(password!)[1]!.value).promptId).not.toBe(JSON.parse(buttonsOf(login!)[0]!.value).promptId);
    expect((await user.click(password!, CHOICES.certPassword.missing)).status).toBe(200);
    const [notice, again] = await user.next(2);
    expect(notice!.text).toContain(PHRASES.staleClick);
    expect(sectionTexts(notice!)).toEqual([mrkdwn(PHRASES.staleClick)]);
    // The waiting question is asked again, its buttons unchanged.
    expectQuestion(again, PHRASES.certLogin, LOGIN_CHOICES);
    expect(buttonsOf(again!)).toEqual(buttonsOf(login!));
    // Nothing of the clicked answer (the reissue procedure) was shown.
    expect(user.all().map((p) => p.text).join('\n')).not.toContain(`【${entry('cert-password-reissue').title}】`);

    // The current question's button works (from the re-asked message).
    await user.click(again!, CHOICES.login.yes);
    const [history] = await user.next(1);
    expectQuestion(history, PHRASES.certHistory, HISTORY_CHOICES);
  });

  /**
   * Two clicks on one question sent before the bot has answered the first (a double click, or two people
   * in a thread), with chat.postMessage taking as long as it does on the real Slack.
   */
  async function clickTwice(firstLabel: string, secondLabel: string): Promise<{ user: SlackUser; after: string[] }> {
    const user = new SlackUser(dmPlace());
    const history = await dmToHistoryQuestion(user);
    fake.postMessageDelayMs = 200;
    try {
      const [first, second] = await Promise.all([user.click(history, firstLabel), user.click(history, secondLabel)]);
      expect([first.status, second.status]).toEqual([200, 200]);
      // The first click's answer: 3 messages; wait until every turn has finished.
      await user.next(3);
      await until('both clicks handled', () => fake.callsOf('chat.postMessage').every((c) => c.respondedAt !== undefined));
      await barrier();
    } finally {
      fake.postMessageDelayMs = 0;
    }
    return { user, after: user.all().slice(4).map((p) => p.text) };
  }

  it('a double click is acked twice and never ends in the turn-error message', async () => {
    const { after } = await clickTwice(CHOICES.history.no, CHOICES.history.no);
    expect(after.join('\n')).not.toContain(TURN_ERROR_TEXT);
    expect(after.filter((t) => t.startsWith('【介護DX証明書のインストール】')).length).toBeGreaterThanOrEqual(1);
  });

  // A second click that arrives while the first is still being answered must see the first one's
  // state (turns of a conversation run one at a time): the 3-1 answer once, at most a stale-click notice.
  it('a double click on 発行履歴なし is answered once', async () => {
    const { after } = await clickTwice(CHOICES.history.no, CHOICES.history.no);
    expect(after.filter((t) => t.startsWith('【介護DX証明書のインストール】'))).toHaveLength(1);
    // The second click is old by the time it runs: its notice may arrive (followed, possibly after
    // this window, by the question again), but never a second answer.
    const asked = after.filter((t) => t.includes(PHRASES.solvedQuestion)).length;
    const stale = after.filter((t) => t.includes(PHRASES.staleClick)).length;
    expect(stale).toBeLessThanOrEqual(1);
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(1 + stale);
  });

  it('two different buttons clicked in quick succession get one answer, not both 3-1 and 3-2', async () => {
    const { after } = await clickTwice(CHOICES.history.no, CHOICES.history.yes);
    const dx = after.some((t) => t.startsWith(`【${entry('cert-install-dx').title}】`));
    const hoken = after.some((t) => t.startsWith(`【${entry('cert-install-hoken').title}】`));
    expect(dx && hoken, 'contradicting answers: both 3-1 (履歴なし) and 3-2 (履歴あり) were shown').toBe(false);
  });
});

describe('Slack: mentions in a channel', () => {
  it('answers in the mention’s thread; a follow-up mention and clicks in that thread continue the same conversation', async () => {
    const channel = channelId();
    const rootTs = newTs();
    const user = new SlackUser({ channel, thread_ts: rootTs });

    // The first mention is top level: the bot answers in its thread (thread_ts = the mention's ts).
    const first = appMention({ user: user.id, channel, text: `<@${FAKE_BOT_USER_ID}> ${MENU.certificate}`, ts: rootTs });
    expect((await sendEvent(endpoint, eventCallback(first, { teamId: FAKE_TEAM_ID }))).status).toBe(200);
    const [password] = await user.next(1);
    expect(password!.channel).toBe(channel);
    expect(password!.thread_ts).toBe(rootTs);
    expectQuestion(password, PHRASES.certPassword, PASSWORD_CHOICES);

    // A mention in the thread answers the waiting question.
    expect((await user.mention(CHOICES.certPassword.have)).status).toBe(200);
    const [login] = await user.next(1);
    expect(login!.thread_ts).toBe(rootTs);
    expectQuestion(login, PHRASES.certLogin, LOGIN_CHOICES);

    // A click on the bot's message in the thread continues the same conversation, in the thread.
    expect((await user.click(login!, CHOICES.login.yes)).status).toBe(200);
    const [history] = await user.next(1);
    expect(history!.thread_ts).toBe(rootTs);
    expectQuestion(history, PHRASES.certHistory, HISTORY_CHOICES);

    // Nothing went to the channel's top level.
    expect(postsInChannel(channel).every((p) => p.thread_ts === rootTs)).toBe(true);
  });

  it('a new top-level mention in the same channel starts a new conversation in its own thread', async () => {
    const channel = channelId();
    const firstTs = newTs();
    const a = new SlackUser({ channel, thread_ts: firstTs });
    await sendEvent(endpoint, eventCallback(appMention({ user: a.id, channel, text: `<@${FAKE_BOT_USER_ID}> ${MENU.certificate}`, ts: firstTs }), { teamId: FAKE_TEAM_ID }));
    expectQuestion((await a.next(1))[0], PHRASES.certPassword, PASSWORD_CHOICES);

    const secondTs = newTs();
    const b = new SlackUser({ channel, thread_ts: secondTs }, a.id);
    await sendEvent(endpoint, eventCallback(appMention({ user: a.id, channel, text: `<@${FAKE_BOT_USER_ID}>`, ts: secondTs }), { teamId: FAKE_TEAM_ID }));
    const [greeting] = await b.next(1);
    expect(greeting!.thread_ts).toBe(secondTs);
    expect(greeting!.text).toContain(PHRASES.welcome);
    expect(buttonsOf(greeting!).map((x) => x.label)).toEqual(MENU_LABELS);
    // The first thread still waits for its own answer.
    await a.mention(CHOICES.certPassword.have);
    expectQuestion((await a.next(1))[0], PHRASES.certLogin, LOGIN_CHOICES);
  });
});

describe('Slack: request authenticity', () => {
  it('refuses a bad signature (401) and a stale timestamp (401); neither reaches the bot', async () => {
    const forged = new SlackUser(dmPlace());
    const forgedRes = await forged.dm('電子証明書のインストール', { signature: `v0=${'0'.repeat(64)}` });
    expect(forgedRes.status).toBe(401);

    const otherSecret = new SlackUser(dmPlace());
    expect((await otherSecret.dm('電子証明書のインストール', { secret: 'not-the-signing-secret' })).status).toBe(401);

    const stale = new SlackUser(dmPlace());
    // Correctly signed, but 6 minutes old: a replay.
    const staleRes = await stale.dm('電子証明書のインストール', { timestamp: nowSeconds() - 6 * 60 });
    expect(staleRes.status).toBe(401);

    const unsigned = new SlackUser(dmPlace());
    expect((await unsigned.dm('電子証明書のインストール', { unsigned: true })).status).toBe(401);

    // A forged click is refused too.
    const click = blockActions({
      teamId: FAKE_TEAM_ID,
      user: 'U0FORGER',
      channel: forged.place.channel,
      message: { ts: newTs() },
      action: { action_id: 'choice-0', value: JSON.stringify({ choice: MENU.certificate }), label: MENU.certificate },
    });
    expect((await sendInteraction(endpoint, click, { secret: 'not-the-signing-secret' })).status).toBe(401);

    await barrier();
    for (const user of [forged, otherSecret, stale, unsigned]) expect(postsInChannel(user.place.channel)).toEqual([]);
  });
});

describe('Slack: retries', () => {
  it('answers an event once when Slack re-sends it (x-slack-retry-num: 1, http_timeout)', async () => {
    const user = new SlackUser(dmPlace());
    const body = JSON.stringify(eventCallback(imMessage({ user: user.id, channel: user.place.channel, text: MENU.certificate }), { teamId: FAKE_TEAM_ID }));
    expect((await sendEvent(endpoint, body)).status).toBe(200);
    const [password] = await user.next(1);
    expectQuestion(password, PHRASES.certPassword, PASSWORD_CHOICES);

    // Slack's retry: the same body, freshly signed, with the retry headers.
    const retry = await sendEvent(endpoint, body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(200);
    const retry2 = await sendEvent(endpoint, body, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry2.status).toBe(200);

    // The next real message is answered, and nothing came in between.
    await user.dm(CHOICES.certPassword.have);
    const [login] = await user.next(1);
    expectQuestion(login, PHRASES.certLogin, LOGIN_CHOICES);
    await barrier();
    expect(user.all()).toHaveLength(2);
  });

  it('answers a mention in a DM once (message.im and app_mention both arrive for it)', async () => {
    const user = new SlackUser(dmPlace());
    const ts = newTs();
    const text = `<@${FAKE_BOT_USER_ID}> ${MENU.certificate}`;
    await sendEvent(endpoint, eventCallback(imMessage({ user: user.id, channel: user.place.channel, text, ts }), { teamId: FAKE_TEAM_ID }));
    await sendEvent(endpoint, eventCallback({ ...appMention({ user: user.id, channel: user.place.channel, text, ts }), channel_type: 'im' }, { teamId: FAKE_TEAM_ID }));
    await user.next(1);
    await barrier();
    expect(postsInChannel(user.place.channel)).toHaveLength(1);
  });
});

describe('Slack: secrets', () => {
  it('warns about a pasted password and never sends the secret anywhere', async () => {
    const secret = 'Abc12345xyz';
    const user = new SlackUser(dmPlace());
    await user.dm('こんにちは');
    await user.next(1);

    expect((await user.dm(`パスワードは ${secret} です`)).status).toBe(200);
    const [warning] = await user.next(1);
    expect(warning!.text).toContain(PHRASES.secretWarning);
    expect(sectionTexts(warning!)).toEqual([mrkdwn(PHRASES.secretWarning)]);
    expect(warning!.thread_ts).toBeUndefined();

    // A secret as the first message of a conversation, and in a channel mention.
    const fresh = new SlackUser(dmPlace());
    await fresh.dm(`PW: ${secret}`);
    expect((await fresh.next(1))[0]!.text).toContain(PHRASES.secretWarning);
    const channel = channelId();
    const thread = new SlackUser({ channel, thread_ts: newTs() });
    await sendEvent(endpoint, eventCallback(appMention({ user: thread.id, channel, text: `<@${FAKE_BOT_USER_ID}> パスワード「${secret}」でログインできません`, ts: thread.place.thread_ts }), { teamId: FAKE_TEAM_ID }));
    expect((await thread.next(1))[0]!.text).toContain(PHRASES.secretWarning);

    // The conversation goes on; the secret is not echoed later either.
    await user.dm(MENU.certificate);
    await user.next(1);
    await barrier();
    for (const call of fake.calls) {
      expect(call.rawBody, `${call.method} sent the secret`).not.toContain(secret);
      expect(decodeURIComponent(call.rawBody.replace(/\+/g, ' ')), `${call.method} sent the secret`).not.toContain(secret);
      expect(JSON.stringify(call.params)).not.toContain(secret);
    }
    for (const post of fake.posts()) expect(visibleText(post)).not.toContain(secret);
  });
});

describe('Slack: secrets in the logs', () => {
  it('never logs a pasted password, nor the bot token, even at trace level (Bolt and Web API debug logs included)', async () => {
    const secret = 'Zq9secretPw77';
    const api = new FakeSlackApi();
    await api.start();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // The most verbose level, into memory: whatever any part of the app logs, it is here.
    const log = pino({ level: 'trace' }, sink);
    const app = createApp(loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: api.url }, '/nonexistent'), { log });
    try {
      const port = await app.listen(0, '127.0.0.1');
      const url = `http://127.0.0.1:${port}/slack/events`;
      const channel = 'D0LOGTEST';
      expect((await sendEvent(url, eventCallback(imMessage({ user: 'U0LOGTEST', channel, text: `パスワードは ${secret} です` }), { teamId: FAKE_TEAM_ID }))).status).toBe(200);
      const warning = await until('the warning', () => api.posts().find((p) => p.channel === channel));
      expect(warning.text).toContain(PHRASES.secretWarning);
      await until('the turn to end', () => api.callsOf('chat.postMessage').every((c) => c.respondedAt !== undefined));
      expect(lines.length, 'trace logging is on').toBeGreaterThan(0);
      expect(lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(lines.filter((l) => l.includes(BOT_TOKEN))).toEqual([]);
      expect(lines.filter((l) => l.includes(TEST_SIGNING_SECRET))).toEqual([]);
    } finally {
      await app.close();
      await api.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { FakeConnector, TEAMS_BOT, TEAMS_USER, teamsActivity, type ConnectorCall } from '../support/fakeConnector';
import { buttonData, buttons, cardOf, http, startApp, visibleText, type CardActivity, type RunningApp } from '../support/server';

const BOT = TEAMS_BOT;
const USER = TEAMS_USER;
const MENU_LABELS = Object.values(MENU);


describe('Teams / Bot Framework /api/messages, anonymous mode (no MicrosoftAppId)', () => {
  let server: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    connector = await new FakeConnector().start();
    server = await startApp();
  });
  afterAll(async () => {
    await server?.close();
    await connector?.stop();
  });

  /** Posts one activity and returns the status and what the bot sent to the connector during the turn. */
  async function send(conversationId: string, fields: Record<string, unknown>) {
    const before = connector.calls.length;
    const activity = teamsActivity(connector, conversationId, fields);
    const res = await http(`${server.base}/api/messages`, { body: activity });
    const calls = connector.since(before);
    return { status: res.status, activity, calls, replies: calls.map((c) => c.body as CardActivity) };
  }

  /** A new conversation that has been greeted; returns the welcome card. */
  async function greeted(conversationId: string) {
    const { status, replies } = await send(conversationId, { type: 'conversationUpdate', membersAdded: [BOT, USER] });
    expect(status).toBe(200);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  }

  it('a conversationUpdate adding the user gets the welcome and the six-item menu as one Adaptive Card, sent to the connector', async () => {
    const conversationId = `a:${randomUUID()}`;
    const { status, activity, calls } = await send(conversationId, { type: 'conversationUpdate', membersAdded: [BOT, USER] });
    expect(status).toBe(200);
    expect(calls).toHaveLength(1);
    const call: ConnectorCall = calls[0]!;
    // A reply to the incoming activity, on the conversation it came from.
    expect(call.url).toBe(`/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activity.id)}`);
    expect(call.conversationId).toBe(conversationId);
    expect(call.replyToId).toBe(activity.id);
    const reply = call.body as CardActivity & { replyToId?: string; recipient?: { id: string }; conversation?: { id: string } };
    expect(reply).toMatchObject({ type: 'message', channelId: 'msteams', from: { id: BOT.id }, recipient: { id: USER.id }, conversation: { id: conversationId } });
    expect(reply.replyToId).toBe(activity.id);
    // Rendered for Bot Framework: a card, no markdown text alongside it, a notification summary.
    const card = cardOf(reply);
    expect(card?.version).toBe('1.5');
    expect(reply.text).toBeUndefined();
    expect(String(reply.summary)).toContain('ヘルプデスクのチャットボットです');
    expect(visibleText(reply)).toContain(PHRASES.welcome);
    expect(visibleText(reply)).toContain(PHRASES.menu);
    expect(buttons(reply)).toEqual(MENU_LABELS);
    for (const label of MENU_LABELS) {
      const data = buttonData(reply, label);
      expect(data.choice).toBe(label);
      // In Teams the Action.Submit is a messageBack whose text is the choice.
      expect(data.msteams).toEqual({ type: 'messageBack', text: label, displayText: label });
    }
    expect(card!.actions.every((a) => a.type === 'Action.Submit')).toBe(true);
  });

  it('a conversationUpdate that only adds the bot sends nothing', async () => {
    const { status, calls } = await send(`a:${randomUUID()}`, { type: 'conversationUpdate', membersAdded: [BOT] });
    expect(status).toBe(200);
    expect(calls).toEqual([]);
  });

  it('a menu label typed as a message gets the next question with its buttons', async () => {
    const conversationId = `a:${randomUUID()}`;
    await greeted(conversationId);
    const { status, replies } = await send(conversationId, { type: 'message', text: MENU.certificate });
    expect(status).toBe(200);
    expect(replies).toHaveLength(1);
    expect(visibleText(replies[0]!)).toContain(PHRASES.certPassword);
    expect(buttons(replies[0]!)).toEqual([CHOICES.certPassword.have, CHOICES.certPassword.missing]);
    // A choice question carries its prompt id in every button, so an old card's click is recognised.
    const data = buttonData(replies[0]!, CHOICES.certPassword.have);
    expect(data.promptId).toMatch(/^[0-9a-f]{8}$/);
    expect(buttonData(replies[0]!, CHOICES.certPassword.missing).promptId).toBe(data.promptId);
  });

  it('the same message delivered again (same activity id) is answered once; the dialog does not move on twice', async () => {
    const conversationId = `a:${randomUUID()}`;
    await greeted(conversationId);
    const first = await send(conversationId, { type: 'message', text: MENU.certificate });
    expect(visibleText(first.replies[0]!)).toContain(PHRASES.certPassword);
    const again = await send(conversationId, { type: 'message', text: MENU.certificate, id: first.activity.id });
    expect(again.status).toBe(200);
    expect(again.replies).toEqual([]);
    // The question is still the one waiting: its answer moves the dialog on.
    const next = await send(conversationId, { type: 'message', text: CHOICES.certPassword.have });
    expect(visibleText(next.replies[0]!)).toContain(PHRASES.certLogin);
  });

  it('a menu button click (Action.Submit, empty text, value from the card) starts that dialog', async () => {
    const conversationId = `a:${randomUUID()}`;
    const welcome = await greeted(conversationId);
    const { choice } = buttonData(welcome, MENU.certificate);
    const { replies } = await send(conversationId, { type: 'message', text: '', value: { choice } });
    expect(replies).toHaveLength(1);
    expect(visibleText(replies[0]!)).toContain(PHRASES.certPassword);
  });

  it('an Action.Submit click on the waiting question advances it, whether text is empty or the messageBack text', async () => {
    const conversationId = `a:${randomUUID()}`;
    await greeted(conversationId);
    const [passwordQuestion] = (await send(conversationId, { type: 'message', text: MENU.certificate })).replies;

    // Empty text, value = the button's data (choice + promptId).
    const have = buttonData(passwordQuestion!, CHOICES.certPassword.have);
    const afterHave = await send(conversationId, { type: 'message', text: '', value: { choice: have.choice, promptId: have.promptId } });
    expect(afterHave.status).toBe(200);
    expect(afterHave.replies).toHaveLength(1);
    expect(visibleText(afterHave.replies[0]!)).toContain(PHRASES.certLogin);
    expect(buttons(afterHave.replies[0]!)).toEqual([CHOICES.login.yes, CHOICES.login.no]);

    // As Teams sends a messageBack: text = the msteams text, value = the button's data.
    const yes = buttonData(afterHave.replies[0]!, CHOICES.login.yes);
    const afterYes = await send(conversationId, { type: 'message', text: yes.msteams!.text, value: { choice: yes.choice, promptId: yes.promptId } });
    expect(afterYes.replies).toHaveLength(1);
    expect(visibleText(afterYes.replies[0]!)).toContain(PHRASES.certHistory);
    expect(buttons(afterYes.replies[0]!)).toEqual(Object.values(CHOICES.history));
    // Every question gets a fresh prompt id.
    const historyPromptId = buttonData(afterYes.replies[0]!, CHOICES.history.no).promptId;
    expect(new Set([have.promptId, yes.promptId, historyPromptId]).size).toBe(3);
  });

  it('a click on an older card is recognised as stale and the waiting question is asked again', async () => {
    const conversationId = `a:${randomUUID()}`;
    await greeted(conversationId);
    const [passwordQuestion] = (await send(conversationId, { type: 'message', text: MENU.certificate })).replies;
    const have = buttonData(passwordQuestion!, CHOICES.certPassword.have);
    const [loginQuestion] = (await send(conversationId, { type: 'message', text: '', value: have })).replies;
    expect(visibleText(loginQuestion!)).toContain(PHRASES.certLogin);

    // Clicking 「手元にある」 on the first card again, while the login question waits.
    const { replies } = await send(conversationId, { type: 'message', text: '', value: { choice: have.choice, promptId: have.promptId } });
    const texts = replies.map(visibleText);
    expect(texts[0]).toContain(PHRASES.staleClick);
    expect(texts.at(-1)).toContain(PHRASES.certLogin);
    expect(buttonData(replies.at(-1)!, CHOICES.login.yes).promptId).toBe(buttonData(loginQuestion!, CHOICES.login.yes).promptId);
  });

  it('conversations are kept apart: dialog state is per conversation id', async () => {
    const first = `a:${randomUUID()}`;
    const second = `a:${randomUUID()}`;
    await greeted(first);
    await greeted(second);
    await send(first, { type: 'message', text: MENU.certificate });
    const firstNext = await send(first, { type: 'message', text: CHOICES.certPassword.have });
    expect(visibleText(firstNext.replies[0]!)).toContain(PHRASES.certLogin);
    expect(firstNext.calls.every((c) => c.conversationId === first)).toBe(true);
    // In the second conversation no certificate question is waiting, so the same words do not advance it.
    const secondNext = await send(second, { type: 'message', text: CHOICES.certPassword.have });
    expect(secondNext.replies.length).toBeGreaterThan(0);
    expect(secondNext.replies.map(visibleText).join('\n')).not.toContain(PHRASES.certLogin);
    expect(secondNext.calls.every((c) => c.conversationId === second)).toBe(true);
  });

  it('malformed JSON gets 400 and the connector hears nothing', async () => {
    const before = connector.calls.length;
    const res = await http(`${server.base}/api/messages`, { body: '{"type":"message","text":' });
    expect(res.status).toBe(400);
    expect(connector.calls.length).toBe(before);
  });

  it('a body that is not a JSON object (array, null, plain text) gets 400', async () => {
    for (const [body, contentType] of [['[]', 'application/json'], ['null', 'application/json'], ['hello', 'text/plain']] as const) {
      const res = await http(`${server.base}/api/messages`, { body, headers: { 'content-type': contentType } });
      expect(res.status, `${contentType} ${body}`).toBe(400);
    }
  });

  // CloudAdapter.process throws for an object without a string `type` before its own try/catch.
  it('a JSON object that is not an activity ({} or {"type":5}) gets 400, not 500', async () => {
    for (const body of ['{}', '{"type":5}']) {
      const res = await http(`${server.base}/api/messages`, { body });
      expect(res.status, body).toBe(400);
    }
  });

  it('other methods on /api/messages get 405', async () => {
    expect((await http(`${server.base}/api/messages`)).status).toBe(405);
  });
});

describe('Teams / Bot Framework /api/messages with MicrosoftAppId and MicrosoftAppPassword', () => {
  let server: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    // CloudAdapter prints every rejected request's AuthenticationError with console.error; keep the output clean.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    connector = await new FakeConnector().start();
    server = await startApp({
      MicrosoftAppId: '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
      MicrosoftAppPassword: 'not-a-real-password',
      MicrosoftAppType: 'MultiTenant',
    });
  });
  afterAll(async () => {
    await server?.close();
    await connector?.stop();
    vi.restoreAllMocks();
  });

  it('a message without Authorization gets 401 and the connector receives nothing', async () => {
    const res = await http(`${server.base}/api/messages`, { body: teamsActivity(connector, 'a:auth-1', { type: 'message', text: MENU.certificate }) });
    expect(res.status).toBe(401);
    const update = await http(`${server.base}/api/messages`, {
      body: teamsActivity(connector, 'a:auth-1', { type: 'conversationUpdate', membersAdded: [BOT, USER] }),
    });
    expect(update.status).toBe(401);
    // Nothing is sent later either.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connector.calls).toEqual([]);
  });

  it('an Authorization header that is not a Bearer token gets 401', async () => {
    const res = await http(`${server.base}/api/messages`, {
      body: teamsActivity(connector, 'a:auth-2', { type: 'message', text: 'こんにちは' }),
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(res.status).toBe(401);
    expect(connector.calls).toEqual([]);
  });

  it('malformed JSON still gets 400, never 5xx', async () => {
    const res = await http(`${server.base}/api/messages`, { body: '{not json' });
    expect(res.status).toBe(400);
    expect(connector.calls).toEqual([]);
  });
});

describe('Teams / Bot Framework /api/messages body limit', () => {
  let server: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    connector = await new FakeConnector().start();
    server = await startApp({ MAX_BODY_BYTES: '2048' });
  });
  afterAll(async () => {
    await server?.close();
    await connector?.stop();
  });

  it('an activity over MAX_BODY_BYTES gets 413 and no reply', async () => {
    const res = await http(`${server.base}/api/messages`, { body: teamsActivity(connector, 'a:big', { type: 'message', text: 'あ'.repeat(2000) }) });
    expect(res.status).toBe(413);
    expect(connector.calls).toEqual([]);
  });

  it('an activity under the limit is answered', async () => {
    const res = await http(`${server.base}/api/messages`, { body: teamsActivity(connector, 'a:small', { type: 'message', text: 'こんにちは' }) });
    expect(res.status).toBe(200);
    expect(connector.calls.length).toBeGreaterThan(0);
    expect(visibleText(connector.calls[0]!.body as CardActivity)).toContain(PHRASES.menu);
  });
});

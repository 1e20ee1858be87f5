import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { click, kb, sayActivities, testBot } from '../support/testBot';
import {
  ADAPTIVE_CARD,
  button,
  cardOf,
  entry,
  HISTORY_Q,
  ID_Q,
  lastButtons,
  LOGIN_CHOICES,
  LOGIN_Q,
  MENU_LABELS,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  shownText,
  STALE_CLICK,
  STATUS_CHOICES,
  THANKS,
  type Card,
} from './conversation';

/** A card without the per-question random promptId, to compare what two bots showed. */
const visible = (activity: Partial<Activity> | undefined) => {
  const card = cardOf(activity);
  return card && { body: card.body, buttons: card.actions.map((a) => [a.type, a.title, a.data.choice]) };
};

describe.each(['webchat', 'msteams'])('Bot Framework rendering on %s', (channelId) => {
  it('a question with choices arrives as one Adaptive Card whose Action.Submit buttons carry {choice, promptId}', async () => {
    const { adapter } = testBot({ channelId });
    const replies = await sayActivities(adapter, '電子証明書のインストール');
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.attachments?.map((a) => a.contentType)).toEqual([ADAPTIVE_CARD]);
    const card = cardOf(reply)!;
    expect(card.type).toBe('AdaptiveCard');
    expect(shownText(reply)).toContain(PASSWORD_Q);
    expect(card.actions.map((a) => a.title)).toEqual([...PASSWORD_CHOICES]);
    const promptIds = new Set(card.actions.map((a) => a.data.promptId));
    expect(promptIds.size).toBe(1);
    expect([...promptIds][0]).toMatch(/\S+/);
    for (const action of card.actions) {
      expect(action.type).toBe('Action.Submit');
      expect(action.data.choice).toBe(action.title);
      // Teams: messageBack, so the click also shows as the user's message.
      expect(action.data.msteams).toEqual({ type: 'messageBack', text: action.title, displayText: action.title });
    }
  });

  it('each new question gets a new promptId', async () => {
    const { adapter } = testBot({ channelId });
    const first = lastButtons(await sayActivities(adapter, '1'));
    const second = lastButtons(await sayActivities(adapter, click(button(first, '手元にある'))));
    expect(second[0]!.data.promptId).not.toBe(first[0]!.data.promptId);
  });

  it('clicking a button (only `value`, no text) advances the prompt exactly like typing the label', async () => {
    const clicked = testBot({ channelId });
    const typed = testBot({ channelId });
    const buttons = lastButtons(await sayActivities(clicked.adapter, '電子証明書のインストール'));
    await sayActivities(typed.adapter, '電子証明書のインストール');

    const byClick = await sayActivities(clicked.adapter, click(button(buttons, 'わからない・紛失した')));
    const byTyping = await sayActivities(typed.adapter, 'わからない・紛失した');
    expect(byClick.map(visible)).toEqual(byTyping.map(visible));
    expect(byClick.map(shownText).join('\n')).toContain(entry('cert-password-reissue').title);
    expect(lastButtons(byClick).map((a) => a.title)).toEqual([...LOGIN_CHOICES]);
  });

  it('a whole flow can be clicked through to the answer card with numbered steps and 出典', async () => {
    const { adapter } = testBot({ channelId });
    let buttons = lastButtons(await sayActivities(adapter, '1'));
    buttons = lastButtons(await sayActivities(adapter, click(button(buttons, '手元にある'))));
    buttons = lastButtons(await sayActivities(adapter, click(button(buttons, 'ログインできる'))));
    const answer = await sayActivities(adapter, click(button(buttons, '発行履歴なし')));
    const dx = entry('cert-install-dx');
    const dxCard = answer.map(cardOf).find((c) => c?.body[0]?.text === dx.title) as Card;
    expect(dxCard, 'a card titled with the entry').toBeDefined();
    const stepRows = dxCard.body.filter((b) => b.type === 'ColumnSet');
    expect(stepRows).toHaveLength(dx.steps.length);
    const dxText = shownText(answer[answer.map(cardOf).indexOf(dxCard)]!);
    dx.steps.forEach((s, i) => expect(dxText).toContain(`${i + 1}.\n${s.text}`));
    expect(dxText).toMatch(new RegExp(`出典: スタートガイド 電子証明書インストール手順 ${dx.source.section}`));
    expect(lastButtons(answer).map((a) => a.title)).toEqual(['はい', 'いいえ']);
    const thanks = await sayActivities(adapter, click(button(lastButtons(answer), 'はい')));
    expect(thanks.map(shownText).join('\n')).toContain(THANKS);
  });

  it('typing still works on a card channel', async () => {
    const { adapter } = testBot({ channelId });
    await sayActivities(adapter, 'ID・パスワード');
    const replies = await sayActivities(adapter, '1');
    expect(lastButtons(replies).map((a) => a.title)).toEqual([...STATUS_CHOICES]);
  });

  it('a stale click is refused with a plain notice and the question card again', async () => {
    const { adapter } = testBot({ channelId });
    const old = lastButtons(await sayActivities(adapter, '1'));
    await sayActivities(adapter, click(button(old, '手元にある')));
    const replies = await sayActivities(adapter, click(button(old, '手元にある')));
    expect(shownText(replies[0]!)).toContain(STALE_CLICK);
    expect(shownText(replies.at(-1)!)).toContain(LOGIN_Q);
    expect(lastButtons(replies).map((a) => a.title)).toEqual([...LOGIN_CHOICES]);
  });

  it('the escalation card shows the phone number and the line status as facts', async () => {
    const { adapter } = testBot({ channelId });
    const [reply] = await sayActivities(adapter, '担当者に相談');
    const facts = cardOf(reply)!.body.find((b) => b.type === 'FactSet')!.facts!;
    expect(facts).toContainEqual({ title: '電話', value: kb.contact.phone });
    expect(facts.map((f) => f.value).join('\n')).toMatch(/受付時間(内|外)です/);
  });

  it('a conversationUpdate adding the user produces the welcome and the menu', async () => {
    const { adapter } = testBot({ channelId });
    const replies = await sayActivities(adapter, { type: 'conversationUpdate', membersAdded: [{ id: 'user1', name: 'User1' }] });
    expect(replies).toHaveLength(1);
    expect(shownText(replies[0]!)).toContain('ヘルプデスクのチャットボットです');
    expect(lastButtons(replies).map((a) => a.title)).toEqual([...MENU_LABELS]);
    // ... and the menu card's buttons work.
    const next = await sayActivities(adapter, click(button(lastButtons(replies), 'ID・パスワード')));
    expect(next.map(shownText).join('\n')).toContain(ID_Q);
  });

  it('a conversationUpdate adding only the bot itself says nothing', async () => {
    const { adapter } = testBot({ channelId });
    expect(await sayActivities(adapter, { type: 'conversationUpdate', membersAdded: [{ id: 'bot', name: 'Bot' }] })).toEqual([]);
  });
});

describe('Teams messageBack', () => {
  it('a click that arrives with the messageBack text and the value advances like typing', async () => {
    const { adapter } = testBot({ channelId: 'msteams' });
    const data = button(lastButtons(await sayActivities(adapter, '1')), '手元にある');
    const replies = await sayActivities(adapter, { type: 'message', text: data.msteams!.text, value: { choice: data.choice, promptId: data.promptId } });
    expect(replies.map(shownText).join('\n')).toContain(LOGIN_Q);
  });

  it('an old messageBack click (text plus old promptId) is refused', async () => {
    const { adapter } = testBot({ channelId: 'msteams' });
    const old = lastButtons(await sayActivities(adapter, '1'));
    await sayActivities(adapter, click(button(old, '手元にある')));
    const data = button(old, 'わからない・紛失した');
    const replies = await sayActivities(adapter, { type: 'message', text: data.msteams!.text, value: { choice: data.choice, promptId: data.promptId } });
    expect(shownText(replies[0]!)).toContain(STALE_CLICK);
    expect(replies.map(shownText).join('\n')).not.toContain(HISTORY_Q);
  });
});

describe('plain-text channel', () => {
  it('a conversationUpdate adding the user produces the welcome and the menu as text', async () => {
    const { adapter } = testBot();
    const replies = await sayActivities(adapter, { type: 'conversationUpdate', membersAdded: [{ id: 'user1', name: 'User1' }] });
    expect(replies.map((r) => r.attachments)).toEqual([undefined]);
    expect(replies[0]!.text).toContain('ヘルプデスクのチャットボットです');
    expect(replies[0]!.text!.split('\n').at(-1)).toBe(MENU_LABELS.map((l, i) => `[${i + 1}] ${l}`).join('  '));
  });
});

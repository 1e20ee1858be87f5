/**
 * User state: a user who comes back in a new conversation is offered the last answer they were given,
 * as a line in the welcome and one more button after the menu.
 */
import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { PHRASES } from '../../src/dialogs/phrases';
import { testBot, type TestBotOptions } from '../support/testBot';
import { asks, asksSolved, entry, MENU_LABELS, menu, notShown, play, shows, SOLVED, type Turn } from './conversation';

const DX = entry('cert-install-dx');
const OFFER = `前回（11月19日）は「${DX.title}」をご案内しました。`;

/** A message from this user in this conversation (the test adapter's defaults otherwise). */
const from = (user: string, conversation: string) => (text: string): Partial<Activity> => ({ type: 'message', text, from: { id: user, name: user }, conversation: { id: conversation } as Activity['conversation'] });

/** One bot whose clock can be moved; user u1 is answered 介護DX証明書のインストール on 11月19日 in conversation c1. */
async function answeredOnce() {
  const clock: TestBotOptions = { now: new Date('2026-11-19T10:00:00+09:00') };
  const bot = testBot(clock);
  await play([[from('u1', 'c1')('介護DX証明書のインストール方法を教えてください'), shows(DX.id), asksSolved]], bot);
  return { bot, clock };
}

describe('a returning user (user state)', () => {
  it('is offered their last answer in a new conversation, and its button shows it again', async () => {
    const { bot, clock } = await answeredOnce();
    clock.now = new Date('2026-11-26T09:30:00+09:00');
    const say = from('u1', 'c2');
    const turns: Turn[] = [
      [say('こんにちは'), PHRASES.welcome, OFFER, asks(PHRASES.menu, [...MENU_LABELS, DX.title])],
      [say(DX.title), shows(DX.id), asksSolved],
    ];
    await play(turns, bot);
  });

  it('the offer counts as the menu: a menu item or a question still works', async () => {
    const { bot } = await answeredOnce();
    const say = from('u1', 'c3');
    await play([[say('こんにちは'), OFFER], [say('よくある質問'), notShown(DX.id), { not: SOLVED }]], bot);
  });

  it('is not made to another user, after 30 days, or again in the conversation that showed it', async () => {
    const { bot, clock } = await answeredOnce();
    await play([[from('u2', 'c4')('こんにちは'), PHRASES.welcome, { not: '前回' }, menu]], bot);
    // The same conversation: the answer is in its history already.
    await play([[from('u1', 'c1')('はい'), 'お役に立ててよかった'], [from('u1', 'c1')('こんにちは'), PHRASES.welcome, { not: '前回' }, menu]], bot);
    clock.now = new Date('2026-12-20T10:00:00+09:00');
    await play([[from('u1', 'c5')('こんにちは'), PHRASES.welcome, { not: '前回' }, menu]], bot);
  });

  it('keeps only the entry id and a time, under the user, never the question typed', async () => {
    const { bot } = await answeredOnce();
    const userKeys = Object.keys((bot.storage as unknown as { memory: Record<string, string> }).memory).filter((key) => key.includes('/users/'));
    expect(userKeys).toEqual(['test/users/u1/']);
    const { lastAnswer } = (await bot.storage.read(userKeys))[userKeys[0]!] as { lastAnswer: unknown };
    expect(lastAnswer).toEqual({ entryId: DX.id, at: '2026-11-19T01:00:00.000Z' });
  });

  it('an activity without a sender id is answered, with nothing kept for a user', async () => {
    const bot = testBot();
    await play([[{ type: 'message', text: '介護DX証明書のインストール方法を教えてください', from: { id: '', name: '' } }, shows(DX.id)]], bot);
    expect(Object.keys((bot.storage as unknown as { memory: Record<string, string> }).memory).filter((key) => key.includes('/users/'))).toEqual([]);
  });
});

/**
 * Table-driven conversations in the style of the Bot Framework core-bot sample's testData:
 * each scenario is a list of turns [what the user sends, ...what the bot's replies of that turn must show].
 * Expectations are derived from the loaded knowledge base wherever the bot quotes the guides.
 */
import type { Activity } from 'botbuilder';
import { expect } from 'vitest';
import type { Entry } from '../../src/knowledge/schema';
import { CHOICES, PHRASES } from '../../src/dialogs/phrases';
import { kb, say, testBot, type TestBotOptions } from '../support/testBot';

/** A check on one turn's replies: text or pattern that must appear, { not } that must not, or a function. */
export type Expectation = string | RegExp | { not: string | RegExp } | ((replies: string[]) => void);
export type Turn = [send: string | Partial<Activity>, ...expected: Expectation[]];

export interface Scenario {
  name: string;
  says: Turn[];
  options?: TestBotOptions;
}

export type Bot = ReturnType<typeof testBot>;

/** Plays the turns against one bot (a fresh one unless given) and checks each turn's replies. */
export async function play(says: Turn[], bot: Bot = testBot()): Promise<Bot> {
  for (const [index, [input, ...expected]] of says.entries()) {
    const replies = await say(bot.adapter, input);
    const shown = typeof input === 'string' ? JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input) : JSON.stringify(input.value ?? input);
    const where = `turn ${index + 1}, user sent ${shown}; the bot replied:\n${replies.join('\n-----\n')}\n`;
    for (const e of expected) check(replies, e, where);
  }
  return bot;
}

function check(replies: string[], e: Expectation, where: string): void {
  const all = replies.join('\n');
  if (typeof e === 'function') {
    try {
      e(replies);
    } catch (err) {
      const error = err as Error;
      const message = error.message;
      error.message = `${where}${message}`;
      if (error.stack) error.stack = error.stack.replace(message, error.message);
      throw error;
    }
  } else if (typeof e === 'string') expect(all, where).toContain(e);
  else if (e instanceof RegExp) expect(all, where).toMatch(e);
  else if (typeof e.not === 'string') expect(all, where).not.toContain(e.not);
  else expect(all, where).not.toMatch(e.not);
}

// ---------------------------------------------------------------------------------------------
// What the user sees, derived from the knowledge base.

export function entry(id: string): Entry {
  const found = kb.byId.get(id);
  if (!found) throw new Error(`test refers to unknown knowledge entry ${id}`);
  return found;
}

/** "【介護DX証明書のインストール】", the heading of a guide answer. */
export const title = (id: string): string => `【${entry(id).title}】`;

const GUIDE_TITLES = { certificate: 'スタートガイド 電子証明書インストール手順', onboarding: 'スタートガイド 導入フロー編' } as const;

/** The 出典 line's start: guide and section (a slide or slide range may follow). */
export const sourceOf = (id: string): string => `出典: ${GUIDE_TITLES[entry(id).source.guide]} ${entry(id).source.section}`;

/** The reply that carries an entry's heading. */
export function replyWith(replies: string[], id: string): string {
  const reply = replies.find((r) => r.includes(title(id)));
  expect(reply, `no reply shows ${title(id)}`).toBeDefined();
  return reply!;
}

/**
 * The entry was shown as the guide has it: heading, every step numbered in order and no more,
 * the FAQ's question and answer or the error's message and answer, and the 出典 line.
 */
export function shows(id: string): Expectation {
  return (replies) => {
    const e = entry(id);
    const reply = replyWith(replies, id);
    const lines = reply.split('\n');
    e.steps.forEach((step, i) => expect(lines, `step ${i + 1} of ${id}`).toContain(`${i + 1}. ${step.text}`));
    expect(lines.some((l) => l.startsWith(`${e.steps.length + 1}. `)), `${id} has only ${e.steps.length} steps`).toBe(false);
    if (e.kind === 'faq') {
      expect(reply).toContain(e.question);
      expect(reply).toContain(e.answer);
    }
    if (e.kind === 'error') {
      expect(reply).toContain(e.message);
      expect(reply).toContain(e.answer);
    }
    if (e.kind !== 'faq' && e.kind !== 'error' && e.summary) expect(reply).toContain(e.summary);
    expect(lines.some((l) => l.startsWith(sourceOf(id))), `${id} cites ${sourceOf(id)}`).toBe(true);
  };
}

/** The entry's heading does not appear in this turn. */
export const notShown = (id: string): Expectation => ({ not: title(id) });

/** "[1] a  [2] b": how the test channel renders choices. */
export const choiceLine = (labels: readonly string[]): string => labels.map((label, i) => `[${i + 1}] ${label}`).join('  ');

/** The bot asks `question` with exactly these choices (the choice line ends that reply). */
export function asks(question: string, labels: readonly string[]): Expectation {
  return (replies) => {
    const reply = replies.find((r) => r.includes(question));
    expect(reply, `the bot asks "${question}"`).toBeDefined();
    expect(reply!.split('\n').at(-1)).toBe(choiceLine(labels));
  };
}

/** The bot asks `question` again in this turn's last reply, with these choices. */
export function asksLast(question: string, labels: readonly string[]): Expectation {
  return (replies) => {
    const last = replies.at(-1) ?? '';
    expect(last).toContain(question);
    expect(last.split('\n').at(-1)).toBe(choiceLine(labels));
  };
}

export const MENU_LABELS = ['電子証明書のインストール', 'ID・パスワード', 'エラーメッセージ', '利用開始までの流れ', 'よくある質問', '担当者に相談'] as const;
/** The menu as the last reply of the turn. */
export const menu: Expectation = (replies) => expect((replies.at(-1) ?? '').split('\n').at(-1)).toBe(choiceLine(MENU_LABELS));

export const YES_NO = ['はい', 'いいえ'] as const;
export const SOLVED = '解決しましたか？';
/** 解決しましたか？ with はい / いいえ, asked last. */
export const asksSolved: Expectation = asksLast(SOLVED, YES_NO);
export const THANKS = 'お役に立ててよかった';
/** The hand-off offered as the last question, with no ticket opened yet. */
export const offersHandoff: Expectation = (replies) => {
  const last = replies.at(-1) ?? '';
  expect(last).toContain(PHRASES.handoffOffer);
  expect(last.split('\n').at(-1)).toBe(choiceLine([CHOICES.handoff.yes, CHOICES.handoff.no]));
  expect(replies.join('\n')).not.toContain('担当者におつなぎします');
};

/** The helpdesk contact: phone from kb.contact, the printed hours, and whether the line is open now. */
export const contact: Expectation = (replies) => {
  const all = replies.join('\n');
  expect(all).toContain(kb.contact.phone);
  expect(all).toContain(kb.contact.hoursText);
  expect(all).toMatch(/受付時間(内|外)です/);
};

/** The line of the contact that says whether the phone line is open, e.g. "ただいま電話受付時間外です。次の受付開始は…". */
export function statusLine(replies: string[]): string | undefined {
  return replies
    .join('\n')
    .split('\n')
    .find((l) => /受付時間(内|外)です/.test(l));
}

// Labels the dialogs offer (what a user clicks or types).
export const PASSWORD_Q = '証明書発行用パスワード';
export const PASSWORD_CHOICES = ['手元にある', 'わからない・紛失した'] as const;
export const LOGIN_Q = 'ログインできますか';
export const LOGIN_CHOICES = ['ログインできる', 'ログインできない'] as const;
export const HISTORY_Q = '発行履歴はありましたか';
export const HISTORY_CHOICES = ['発行履歴あり', '発行履歴なし', 'わからない', '代理請求をしている'] as const;
export const ID_Q = 'どちらのIDについてのご質問ですか';
export const ID_CHOICES = ['事業所ユーザID（KJから始まる）', '個人ユーザID（cから始まる）', 'わからない'] as const;
export const STATUS_Q = 'どのような状況ですか';
export const STATUS_CHOICES = ['IDかパスワードがわからない', '「パスワードの有効期限が切れています」と表示される', '仮パスワードが届いた'] as const;
export const MAIL_Q = 'セキュリティ用メールアドレス';
export const MAIL_CHOICES = ['登録している', '登録していない', 'わからない'] as const;
export const STEP_Q = '詳しく知りたいステップ';
export const ONBOARDING_STEPS = ['onboarding-pc', 'onboarding-software', 'onboarding-id', 'onboarding-download', 'onboarding-certificate', 'onboarding-application', 'onboarding-start'];
export const STEP_CHOICES = [...ONBOARDING_STEPS.map((id, i) => `${i + 1}. ${entry(id).title}`), '大丈夫です', '担当者に相談'];
export const FAQ_Q = 'どの質問について';
export const FAQ_IDS = ['faq-q1', 'faq-q2', 'faq-q3', 'faq-q4', 'faq-q5'];
export const FAQ_CHOICES = FAQ_IDS.map((id) => {
  const e = entry(id);
  return `${e.kind === 'faq' ? e.number : ''} ${e.title}`;
});
export const ERROR_Q = 'メッセージをそのまま貼り付けてください';
export const BACK_TO_QUESTION = '先ほどの質問に戻ります';
export const STALE_CLICK = '以前のメッセージのもの';
export const NOT_UNDERSTOOD = 'お答えを読み取れませんでした';
export const CANCELLED = 'キャンセルしました';
export const SECRET_WARNING = 'チャットに入力しないでください';
export const OFF_TOPIC = 'お答えできる情報';

// ---------------------------------------------------------------------------------------------
// Bot Framework channels (webchat, msteams): replies arrive as Adaptive Cards.

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export interface CardAction {
  type: string;
  title: string;
  data: { choice: string; promptId?: string; msteams?: { type: string; text: string; displayText: string } };
}
export interface Card {
  type: string;
  version: string;
  body: Array<{ type: string; text?: string; facts?: Array<{ title: string; value: string }>; columns?: unknown[] }>;
  actions: CardAction[];
}

/** The Adaptive Card of a reply, if it has one. */
export function cardOf(activity: Partial<Activity> | undefined): Card | undefined {
  const attachment = activity?.attachments?.find((a) => a.contentType === ADAPTIVE_CARD);
  return attachment?.content as Card | undefined;
}

/** Everything a reply shows as text: plain text, or the card's text blocks (nested ones included) and facts. */
export function shownText(activity: Partial<Activity>): string {
  const card = cardOf(activity);
  if (!card) return activity.text ?? '';
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (n.type === 'TextBlock' && typeof n.text === 'string') texts.push(n.text.replace(/\\([*_`[\]])/g, '$1'));
      if (n.type === 'FactSet') for (const f of n.facts as Array<{ title: string; value: string }>) texts.push(`${f.title}: ${f.value}`);
      for (const key of ['body', 'items', 'columns']) if (key in n) walk(n[key]);
    }
  };
  walk(card.body);
  return texts.join('\n');
}

/** The last card of a turn that has buttons. */
export function lastButtons(replies: Partial<Activity>[]): CardAction[] {
  const card = [...replies].reverse().map(cardOf).find((c) => c?.actions?.length);
  expect(card, 'a card with buttons').toBeDefined();
  return card!.actions;
}

/** The Action.Submit data of the button with this title. */
export function button(actions: CardAction[], title: string): CardAction['data'] {
  const action = actions.find((a) => a.title === title);
  expect(action, `a button 「${title}」 among ${actions.map((a) => a.title).join(' / ')}`).toBeDefined();
  return action!.data;
}

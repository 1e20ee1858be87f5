import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { click, kb, router, say, sayActivities, storageText, storedState, testBot } from '../support/testBot';
import { PHRASES } from '../../src/dialogs/phrases';
import { containsSecret as isSecret } from '../../src/safety/secrets';
import { allQuestionSets } from '../support/routingEvaluation';
import { CONVERSATION_DEV_PATHS, CONVERSATION_HOLDOUT_PATHS, loadConversationSet } from '../support/conversationEvaluation';
import {
  asks,
  asksLast,
  asksSolved,
  button,
  choiceLine,
  contact,
  entry,
  ERROR_Q,
  type Expectation,
  HISTORY_Q,
  ID_CHOICES,
  ID_Q,
  lastButtons,
  LOGIN_CHOICES,
  LOGIN_Q,
  menu,
  NOT_UNDERSTOOD,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  play,
  type Scenario,
  SECRET_WARNING,
  shownText,
  shows,
  STALE_CLICK,
  STATUS_CHOICES,
  STATUS_Q,
  THANKS,
  type Turn,
  YES_NO,
} from './conversation';

/** What the user typed, and the secret in it that must never come back or be stored. */
const secrets: Array<[message: string, secret: string]> = [
  ['パスワードは Abc12345 です', 'Abc12345'],
  ['PW:abc12345', 'abc12345'],
  ['pass=hunter22', 'hunter22'],
  ['パスワード hunter22x', 'hunter22x'],
  ['hunter22x がパスワードです', 'hunter22x'],
  ['パスワード忘れた abc123de', 'abc123de'],
  ['パスワード：Ａｂｃ９８７６５', 'Abc98765'],
  ['ID:KJ0123456789AB PW:Zx9!kq2w', 'Zx9!kq2w'],
  ['my password is Tr0ub4dor', 'Tr0ub4dor'],
  ['パスワード「sunshine」で入れません', 'sunshine'],
  ['PW: SunShine', 'SunShine'],
  ['パスワードは kj12ab34', 'kj12ab34'],
];

/** The secret in any spelling: as typed, full width folded, any case. */
const containsSecret = (text: string, secret: string): boolean => text.normalize('NFKC').toLowerCase().includes(secret.normalize('NFKC').toLowerCase());

async function expectNowhere(bot: ReturnType<typeof testBot>, replies: string[], secret: string): Promise<void> {
  expect(replies.some((r) => containsSecret(r, secret)), 'a reply repeats the secret').toBe(false);
  const raw = storageText(bot.storage);
  expect(raw, 'storage holds the conversation (else this check proves nothing)').toContain('dialogState');
  expect(containsSecret(raw, secret), `MemoryStorage holds the secret: ${raw.slice(0, 300)}`).toBe(false);
  expect(containsSecret(JSON.stringify(await storedState(bot)), secret)).toBe(false);
}

/** Where the user may type it: waiting point, and the proper answer that must still work afterwards. */
const places: Array<{ name: string; setup: Turn[]; after: Turn }> = [
  { name: 'while the certificate question waits', setup: [['電子証明書のインストール', asks(PASSWORD_Q, PASSWORD_CHOICES)]], after: ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)] },
  { name: 'while the ID question waits', setup: [['ID・パスワード']], after: ['1', asks(STATUS_Q, STATUS_CHOICES)] },
  { name: 'while the error message is asked (free text that would be kept)', setup: [['エラーメッセージ', ERROR_Q]], after: ['証明書発行の履歴はありません。', shows('error-no-issue-history')] },
  { name: 'while 解決しましたか？ waits', setup: [['介護DX証明書のインストール方法を教えてください', asksSolved]], after: ['はい', 'お役に立ててよかった'] },
  { name: 'at the menu', setup: [['こんにちは']], after: ['2', asks(ID_Q, ID_CHOICES)] },
];

describe.each(places)('a password typed $name', ({ setup, after }) => {
  it.each(secrets)('「%s」: a warning, never echoed or stored, and the waiting question still works', async (message, secret) => {
    const bot = await play(setup);
    const replies = await say(bot.adapter, message);
    expect(replies.join('\n')).toContain(SECRET_WARNING);
    await expectNowhere(bot, replies, secret);
    await play([after], bot);
    await expectNowhere(bot, [], secret);
  });
});

describe('a password in other shapes', () => {
  it('as the very first message: a warning, then the welcome as for an empty message; nothing stored', async () => {
    const bot = testBot();
    const replies = await say(bot.adapter, 'パスワードは Abc12345 です');
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain(SECRET_WARNING);
    expect(replies[1]).toContain('ヘルプデスクのチャットボットです');
    expect(containsSecret(storageText(bot.storage), 'Abc12345')).toBe(false);
    await play([['2', 'どちらのIDについて']], bot);
  });

  it('sent as a card value (no text): the same warning, never stored', async () => {
    const bot = await play([['電子証明書のインストール']]);
    const replies = await say(bot.adapter, { type: 'message', text: '', value: { choice: 'PW:abc12345' } } as Partial<Activity>);
    expect(replies.join('\n')).toContain(SECRET_WARNING);
    await expectNowhere(bot, replies, 'abc12345');
    await play([['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)]], bot);
  });

  it('several in a row do not use up the retries of the waiting question', async () => {
    const bot = await play([['電子証明書のインストール']]);
    for (const [message] of secrets.slice(0, 4)) expect((await say(bot.adapter, message)).join('\n')).toContain(SECRET_WARNING);
    await play([['手元にある', asks(LOGIN_Q, LOGIN_CHOICES), { not: kb.contact.phone }]], bot);
  });

  it('questions about passwords, in English or mixed in, are answered, not taken for secrets', () =>
    play([
      ['KJのpasswordがexpiredになってる', { not: SECRET_WARNING }, shows('faq-q2')],
      ['the certificate password is gone, how do I reissue it?', { not: SECRET_WARNING }, shows('cert-password-reissue')],
      ['The import wizard asks for the private key password. What do I enter?', { not: SECRET_WARNING }],
    ]));

  it('part of a KJ ID next to the word パスワード is an ID, not a secret', () =>
    play([['ID KJ4409… のパスワードの有効期限が切れています', { not: SECRET_WARNING }, shows('error-password-expired')]]));

  it('the ID\'s name written with brackets and a tilde (事業所ユーザID（KJ～）) next to the word パスワード is no secret', () =>
    play([['事業所ユーザID（KJ～）の書類を紛失しました。IDもパスワードもわかりません。', { not: SECRET_WARNING }]]));

  it('no question or chat message of the development and held-out sets, nor any example question, is taken for a secret', () => {
    const chats = [...CONVERSATION_DEV_PATHS, ...CONVERSATION_HOLDOUT_PATHS].map(loadConversationSet);
    const questions = [
      ...allQuestionSets().flatMap((set) => set.questions.map((q) => q.q)),
      ...kb.entries.flatMap((e) => e.examples),
      ...chats.flatMap((set) => [...set.openings.map((o) => o.text), ...set.answers.map((a) => a.text), ...set.conversations.flatMap((c) => c.turns)]),
    ];
    expect(questions.filter((q) => isSecret(q))).toEqual([]);
  });

  it('a KJ ID typed right after its label, beside the word PW, is not taken for a secret', () =>
    play([['事業所ユーザID：KJ131234567801。PW：不明。再発行したい。', { not: SECRET_WARNING }]]));

  it('a KJ ID or an error message about passwords is not taken for a secret', () =>
    play([
      ['ID・パスワード'],
      ['KJ0123456789AB', { not: SECRET_WARNING }, asks(STATUS_Q, STATUS_CHOICES)],
      ['パスワードの有効期限が切れています', { not: SECRET_WARNING }],
    ]));
});

const TOO_MANY = 'うまくお答えできず申し訳ありません';
/** 「お答えを読み取れませんでした」, the question again and its choices. */
const retry = (labels: readonly string[]): Expectation => (replies) => {
  expect(replies.join('\n')).toContain(NOT_UNDERSTOOD);
  expect(replies.at(-1)!.split('\n').at(-1)).toBe(choiceLine(labels));
};
const texts = (replies: Partial<Activity>[]) => replies.map(shownText);

describe('stale clicks on Adaptive Card buttons (webchat)', () => {
  it('the same button clicked twice: the second click gets the stale-click notice and the state is intact', async () => {
    const bot = testBot({ channelId: 'webchat' });
    const first = await sayActivities(bot.adapter, '電子証明書のインストール');
    const passwordButtons = lastButtons(first);
    const have = button(passwordButtons, '手元にある');

    const second = await sayActivities(bot.adapter, click(have));
    expect(texts(second).join('\n')).toContain(LOGIN_Q);
    const loginButtons = lastButtons(second);

    const again = await sayActivities(bot.adapter, click(have));
    expect(texts(again)[0]).toContain(STALE_CLICK);
    expect(texts(again).join('\n')).toContain(LOGIN_Q); // the waiting question again
    expect(texts(again).join('\n')).not.toContain(HISTORY_Q); // the click was not taken as an answer
    expect(lastButtons(again).map((a) => a.title)).toEqual([...LOGIN_CHOICES]);

    const next = await sayActivities(bot.adapter, click(button(loginButtons, 'ログインできる')));
    expect(texts(next).join('\n')).toContain(HISTORY_Q);
  });

  it('a click on an older card (old promptId) is refused and the current question still works', async () => {
    const bot = testBot({ channelId: 'webchat' });
    const passwordButtons = lastButtons(await sayActivities(bot.adapter, '1'));
    const loginButtons = lastButtons(await sayActivities(bot.adapter, click(button(passwordButtons, '手元にある'))));
    const historyButtons = lastButtons(await sayActivities(bot.adapter, click(button(loginButtons, 'ログインできる'))));

    const stale = texts(await sayActivities(bot.adapter, click(button(passwordButtons, 'わからない・紛失した'))));
    expect(stale[0]).toContain(STALE_CLICK);
    expect(stale.join('\n')).not.toContain(entry('cert-password-reissue').title);
    expect(stale.join('\n')).toContain(HISTORY_Q);

    const answer = texts(await sayActivities(bot.adapter, click(button(historyButtons, '発行履歴なし'))));
    expect(answer.join('\n')).toContain(entry('cert-install-dx').title);
    expect(answer.join('\n')).toContain(entry('cert-install-dx').steps[12]!.text);
  });

  it('an old card clicked with only { choice, promptId } (no msteams field) is refused too', async () => {
    const bot = testBot({ channelId: 'webchat' });
    const idButtons = lastButtons(await sayActivities(bot.adapter, 'ID・パスワード'));
    await sayActivities(bot.adapter, click(button(idButtons, '事業所ユーザID（KJから始まる）')));
    const old = button(idButtons, '個人ユーザID（cから始まる）');
    const stale = texts(await sayActivities(bot.adapter, click({ choice: old.choice, promptId: old.promptId })));
    expect(stale[0]).toContain(STALE_CLICK);
    expect(stale.join('\n')).not.toContain(entry('onboarding-c-id').title);
  });

  // Once the dialog has ended, a second click on はい is not a new question (no off-topic refusal).
  it('the final はい clicked twice: the second click says that question is over, not an off-topic refusal', async () => {
    const bot = testBot({ channelId: 'webchat' });
    const yes = button(lastButtons(await sayActivities(bot.adapter, '介護DX証明書のインストール方法を教えてください')), 'はい');
    expect(texts(await sayActivities(bot.adapter, click(yes))).join('\n')).toContain(THANKS);
    const second = texts(await sayActivities(bot.adapter, click(yes))).join('\n');
    expect(second).not.toContain('お答えできる情報');
    expect(second).toContain(PHRASES.staleClickFinished);
  });

  // Same root cause: while a TextPrompt waits (the error-message question, the menu) the promptId is not checked,
  // so an old card's label is taken as typed text: "そのメッセージは、ガイドに記載がありませんでした" and escalation.
  it('an old card clicked while the error message is asked gets the stale-click notice', async () => {
    const bot = testBot({ channelId: 'webchat' });
    const old = button(lastButtons(await sayActivities(bot.adapter, '電子証明書のインストール')), '手元にある');
    await sayActivities(bot.adapter, '最初から');
    expect(texts(await sayActivities(bot.adapter, 'エラーメッセージ')).join('\n')).toContain(ERROR_Q);
    const stale = texts(await sayActivities(bot.adapter, click(old))).join('\n');
    expect(stale).not.toContain('ガイドに記載がありませんでした');
    expect(stale).toContain(STALE_CLICK);
  });

  // The menu card carries a promptId too, so a double click on a menu button is not taken as an answer
  // to the question the first click opened.
  const opened: Array<[label: string, question: string]> = [
    ['エラーメッセージ', ERROR_Q],
    ['ID・パスワード', ID_Q],
    ['電子証明書のインストール', PASSWORD_Q],
  ];
  for (const [label, question] of opened) {
    it(`a double click on the menu button 「${label}」 gets the stale-click notice and the same question again`, async () => {
      const bot = testBot({ channelId: 'webchat' });
      const menuButton = button(lastButtons(await sayActivities(bot.adapter, 'こんにちは')), label);
      expect(texts(await sayActivities(bot.adapter, click(menuButton))).join('\n')).toContain(question);
      const second = texts(await sayActivities(bot.adapter, click(menuButton)));
      expect(second[0]).toContain(STALE_CLICK);
      expect(second.at(-1)).toContain(question);
    });
  }
});

describe('answers that fit no choice', () => {
  const unsureLabels = [...router.route('確認したい').candidates.map((c) => c.entry.title), 'その他'];

  const scenarios: Scenario[] = [
    {
      name: 'certificate question: re-prompted with the choices twice, then the helpdesk contact',
      says: [['電子証明書のインストール'], ['ぴよぴよ', retry(PASSWORD_CHOICES)], ['ほげ', retry(PASSWORD_CHOICES)], ['ふが', TOO_MANY, contact, { not: NOT_UNDERSTOOD }]],
    },
    {
      name: 'ID question: the same limit',
      says: [['ID・パスワード'], ['ぴよぴよ', retry(ID_CHOICES)], ['ほげ', retry(ID_CHOICES)], ['ふが', TOO_MANY, contact]],
    },
    {
      name: '解決しましたか？: the same limit',
      says: [['介護DX証明書のインストール方法を教えてください'], ['ぴよぴよ', retry(YES_NO)], ['ほげ', retry(YES_NO)], ['ふが', TOO_MANY, contact]],
    },
    {
      name: 'unsure candidates: the same limit',
      says: [['確認したい'], ['ぴよぴよ', retry(unsureLabels)], ['ほげ', retry(unsureLabels)], ['ふが', TOO_MANY, contact]],
    },
    {
      name: 'after one miss a proper answer still advances',
      says: [['電子証明書のインストール'], ['ぴよぴよ', retry(PASSWORD_CHOICES)], ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)]],
    },
    {
      name: 'after two misses a proper answer still advances',
      says: [['電子証明書のインストール'], ['ぴよぴよ'], ['ほげ'], ['2', shows('cert-password-reissue'), asks(LOGIN_Q, LOGIN_CHOICES)]],
    },
    {
      name: 'the miss count starts again at the next question',
      says: [['1'], ['ぴよぴよ'], ['ほげ'], ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)], ['ぴよぴよ', retry(LOGIN_CHOICES)], ['ほげ', retry(LOGIN_CHOICES)]],
    },
    {
      name: 'an on-topic question between misses is answered and does not count as a miss',
      says: [['1'], ['ぴよぴよ'], ['ほげ'], ['和暦設定になっていると言われました', shows('error-wareki'), asksLast(PASSWORD_Q, PASSWORD_CHOICES)], ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)]],
    },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));
});

describe('empty and huge messages', () => {
  const waitPassword: Turn = ['電子証明書のインストール', asks(PASSWORD_Q, PASSWORD_CHOICES)];
  const scenarios: Scenario[] = [
    { name: 'empty text while a choice waits: the same question again, then a proper answer advances', says: [waitPassword, ['', asks(PASSWORD_Q, PASSWORD_CHOICES)], ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)]] },
    { name: 'blank text (spaces, full-width space, newline)', says: [waitPassword, [' \u3000\n ', asks(PASSWORD_Q, PASSWORD_CHOICES)], ['1', asks(LOGIN_Q, LOGIN_CHOICES)]] },
    { name: 'a card value without a choice counts as empty', says: [waitPassword, [{ type: 'message', text: '', value: {} }, asks(PASSWORD_Q, PASSWORD_CHOICES)], ['1', asks(LOGIN_Q, LOGIN_CHOICES)]] },
    { name: 'empty text at the menu asks again', says: [['こんにちは', menu], ['', menu], ['2', asks(ID_Q, ID_CHOICES)]] },
    { name: 'control characters are dropped before matching', says: [waitPassword, ['手元\u0000に\u0007ある', asks(LOGIN_Q, LOGIN_CHOICES)]] },
    { name: '100 kB of nonsense while a choice waits: re-prompted, then a proper answer advances', says: [waitPassword, ['あ'.repeat(100_000), NOT_UNDERSTOOD], ['手元にある', asks(LOGIN_Q, LOGIN_CHOICES)]] },
    {
      name: '100 kB of a repeated on-topic question while a choice waits: answered, back to the question',
      says: [waitPassword, ['証明書のインストールがうまくいかないのはなぜですか？'.repeat(5_000), '先ほどの質問に戻ります', asksLast(PASSWORD_Q, PASSWORD_CHOICES)], ['1', asks(LOGIN_Q, LOGIN_CHOICES)]],
    },
    { name: '100 kB as a first message: an off-topic refusal and the menu, which then works', says: [['x'.repeat(100_000), menu], ['1', asks(PASSWORD_Q, PASSWORD_CHOICES)]] },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('100 kB messages do not bloat the stored state', async () => {
    const bot = await play([['x'.repeat(100_000)], ['エラーメッセージ'], ['謎'.repeat(100_000)]]);
    expect(storageText(bot.storage).length).toBeLessThan(10_000);
    const { triageFacts } = (await storedState(bot)) as { triageFacts: { unanswered: string[]; errorMessage: string } };
    expect(triageFacts.unanswered[0]!.length).toBeLessThanOrEqual(200);
    expect(triageFacts.errorMessage.length).toBeLessThanOrEqual(500);
  });

  it('the error question does not take an empty message as an unknown error', () =>
    play([['エラーメッセージ'], ['', ERROR_Q, { not: kb.contact.phone }], ['証明書発行の履歴はありません。', shows('error-no-issue-history')]]));
});

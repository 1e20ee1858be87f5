import { describe, expect, it } from 'vitest';
import { kb, router } from '../support/testBot';
import {
  asks,
  asksLast,
  BACK_TO_QUESTION,
  CANCELLED,
  contact,
  ERROR_Q,
  FAQ_CHOICES,
  FAQ_Q,
  HISTORY_CHOICES,
  HISTORY_Q,
  ID_CHOICES,
  ID_Q,
  LOGIN_CHOICES,
  LOGIN_Q,
  MAIL_CHOICES,
  MAIL_Q,
  menu,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  play,
  shows,
  SOLVED,
  STATUS_CHOICES,
  STATUS_Q,
  STEP_CHOICES,
  STEP_Q,
  THANKS,
  title,
  YES_NO,
  type Expectation,
  type Turn,
} from './conversation';

const WELCOME = 'ヘルプデスクのチャットボットです';
const HELP = ['「最初から」', '「キャンセル」', '「担当者」'];
const errors = kb.entries.filter((e) => e.kind === 'error');
const unsure = router.route('確認したい').candidates.map((c) => c.entry.title);

interface Waiting {
  name: string;
  /** Turns that leave the bot waiting for this question. */
  setup: Turn[];
  /** The question, asked (again) as the turn's last reply. */
  again: Expectation;
  /** The proper answer and what it does. */
  answer: [text: string, effect: Expectation];
  /** Text that shows the proper answer took effect; after キャンセル the same text must not have it. */
  effect?: string;
  /** A choice prompt: an unrelated on-topic question is answered and the question asked again. */
  choice: boolean;
}

const waitings: Waiting[] = [
  {
    name: 'certificate: password at hand?',
    setup: [['電子証明書のインストール']],
    again: asksLast(PASSWORD_Q, PASSWORD_CHOICES),
    answer: ['1', asks(LOGIN_Q, LOGIN_CHOICES)],
    effect: LOGIN_Q,
    choice: true,
  },
  {
    name: 'certificate: login?',
    setup: [['1'], ['手元にある']],
    again: asksLast(LOGIN_Q, LOGIN_CHOICES),
    answer: ['1', asks(HISTORY_Q, HISTORY_CHOICES)],
    effect: HISTORY_Q,
    choice: true,
  },
  {
    name: 'certificate: issue history?',
    setup: [['1'], ['1'], ['1']],
    again: asksLast(HISTORY_Q, HISTORY_CHOICES),
    answer: ['1', shows('cert-install-hoken')],
    effect: title('cert-install-hoken'),
    choice: true,
  },
  { name: 'ID: which ID?', setup: [['ID・パスワード']], again: asksLast(ID_Q, ID_CHOICES), answer: ['2', shows('onboarding-c-id')], effect: title('onboarding-c-id'), choice: true },
  { name: 'ID: situation?', setup: [['2'], ['1']], again: asksLast(STATUS_Q, STATUS_CHOICES), answer: ['3', shows('faq-q2')], effect: title('faq-q2'), choice: true },
  { name: 'ID: security mail?', setup: [['2'], ['1'], ['1']], again: asksLast(MAIL_Q, MAIL_CHOICES), answer: ['1', shows('kj-id-reset')], effect: title('kj-id-reset'), choice: true },
  { name: 'getting started: which step?', setup: [['利用開始までの流れ']], again: asksLast(STEP_Q, STEP_CHOICES), answer: ['8', THANKS], effect: THANKS, choice: true },
  { name: 'FAQ: which question?', setup: [['よくある質問']], again: asksLast(FAQ_Q, FAQ_CHOICES), answer: ['3', shows('faq-q3')], effect: title('faq-q3'), choice: true },
  {
    name: 'answer: 解決しましたか？',
    setup: [['介護DX証明書のインストール方法を教えてください']],
    again: asksLast(SOLVED, YES_NO),
    answer: ['1', THANKS],
    effect: THANKS,
    choice: true,
  },
  // The same question reached inside another dialog: asking it again must find the dialog there too.
  { name: 'certificate → 解決しましたか？', setup: [['1'], ['1'], ['1'], ['2']], again: asksLast(SOLVED, YES_NO), answer: ['1', THANKS], effect: THANKS, choice: true },
  { name: 'ID → 解決しましたか？', setup: [['ID・パスワード'], ['2']], again: asksLast(SOLVED, YES_NO), answer: ['1', THANKS], effect: THANKS, choice: true },
  { name: 'FAQ → 解決しましたか？', setup: [['よくある質問'], ['1']], again: asksLast(SOLVED, YES_NO), answer: ['1', THANKS], effect: THANKS, choice: true },
  {
    name: 'unsure: which candidate?',
    setup: [['確認したい']],
    again: asksLast('次のどれについて', [...unsure, 'その他']),
    answer: [String(unsure.length + 1), menu],
    effect: '別の言葉で',
    choice: true,
  },
  { name: 'the menu', setup: [['こんにちは']], again: menu, answer: ['1', asks(PASSWORD_Q, PASSWORD_CHOICES)], choice: false },
  {
    name: 'error message: paste it',
    setup: [['エラーメッセージ']],
    again: (replies) => expect(replies.at(-1)).toContain(ERROR_Q),
    answer: [errors[0]!.message, shows(errors[0]!.id)],
    choice: false,
  },
];

describe.each(waitings)('interruptions while waiting at $name', (w) => {
  it.each(['最初から', 'メニュー'])('%s → the menu again (not the welcome), and the menu works', async (word) => {
    await play([...w.setup, [word, menu, { not: WELCOME }], ['2', asks(ID_Q, ID_CHOICES)]]);
  });

  it.each(['キャンセル', 'やめる'])('%s → cancelled; the next message starts fresh', async (word) => {
    await play([...w.setup, [word, CANCELLED, { not: '[1] ' }], ['こんにちは', WELCOME, menu]]);
  });

  if (w.effect) {
    const effect = w.effect;
    it('after キャンセル the old question no longer takes an answer', () =>
      play([...w.setup, ['キャンセル', CANCELLED], [w.answer[0], { not: effect }]]));
  }

  it('ヘルプ → the help, then the same question again, still answerable', () =>
    play([...w.setup, ['ヘルプ', ...HELP, w.again], w.answer]));

  it.each(['担当者', 'オペレーター', '人と話したい', '担当者と話したいです'])('%s → the helpdesk contact', async (word) => {
    await play([...w.setup, [word, contact, { not: BACK_TO_QUESTION }]]);
  });

  if (w.choice) {
    it('an unrelated on-topic question is answered, then 「先ほどの質問に戻ります」 and the same question, still answerable', () =>
      play([...w.setup, ['和暦設定になっていると言われました', shows('error-wareki'), BACK_TO_QUESTION, w.again], w.answer]));

    it('full-width and mixed-case commands work too (ＭＥＮＵ, Ｈｅｌｐ)', () =>
      play([...w.setup, ['Ｈｅｌｐ', ...HELP, w.again], ['ＭＥＮＵ', menu]]));
  }
});

// The help text promises 「いつでも次の言葉が使えます」: also when no dialog is active (the first message, and
// after a finished conversation), where no dialog's interruption check runs.
describe('commands when no dialog is waiting (after a finished conversation)', () => {
  const finished: Turn[] = [['介護DX証明書のインストール方法を教えてください'], ['はい', THANKS]];
  it('担当者 → the helpdesk contact', () => play([...finished, ['担当者', contact]]));
  it('ヘルプ → the help text', () => play([...finished, ['ヘルプ', ...HELP]]));
  it('最初から → the menu', () =>
    play([...finished, ['最初から', menu, { not: title('onboarding-overview') }]]));
  it('メニュー → the menu without an off-topic refusal', () => play([...finished, ['メニュー', menu, { not: 'お答えできる情報' }]]));
  it('キャンセル → no off-topic refusal', () => play([...finished, ['キャンセル', { not: 'お答えできる情報' }]]));
  it('担当者 as the very first message → the helpdesk contact', () => play([['担当者', contact]]));
});

// Only a request for a person escalates; a question that mentions 担当者 (the 利用申請 form field 担当者氏名)
// is a question.
describe('an on-topic question that mentions 担当者 while a choice waits', () => {
  const question = '利用申請の担当者氏名には誰の名前を書けばいいですか';
  it('as a first message it is answered from the guide (control)', () => play([[question, shows('onboarding-application')]]));
  it('while the certificate question waits it is answered, then the same question again', () =>
    play([['電子証明書のインストール'], [question, shows('onboarding-application'), BACK_TO_QUESTION, asksLast(PASSWORD_Q, PASSWORD_CHOICES)]]));
});

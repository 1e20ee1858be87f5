import { describe, expect, it } from 'vitest';
import { loadDevSet } from '../support/routingEvaluation';
import { router, storedState } from '../support/testBot';
import { PHRASES } from '../../src/dialogs/phrases';
import {
  asks,
  asksLast,
  asksSolved,
  contact,
  entry,
  ERROR_Q,
  FAQ_CHOICES,
  FAQ_Q,
  ID_CHOICES,
  ID_Q,
  MAIL_CHOICES,
  MAIL_Q,
  menu,
  MENU_LABELS,
  notShown,
  OFF_TOPIC,
  ONBOARDING_STEPS,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  play,
  type Scenario,
  shows,
  STEP_CHOICES,
  STEP_Q,
  SOLVED,
  THANKS,
  offersHandoff,
  title,
} from './conversation';

const WELCOME = 'ヘルプデスクのチャットボットです';

/** What each menu item opens, as the user sees it. */
const opens = [
  asks(PASSWORD_Q, PASSWORD_CHOICES),
  asks(ID_Q, ID_CHOICES),
  ERROR_Q,
  asks(STEP_Q, STEP_CHOICES),
  asks(FAQ_Q, FAQ_CHOICES),
  contact,
];

describe('main menu', () => {
  const scenarios: Scenario[] = [
    { name: 'a greeting gets the welcome and the six-item menu', says: [['こんにちは', WELCOME, menu]] },
    { name: 'an empty first message gets the welcome and the menu', says: [['', WELCOME, menu]] },
    ...MENU_LABELS.map((label, i): Scenario => ({ name: `choosing 「${label}」 by its label`, says: [['こんにちは', menu], [label, opens[i]!]] })),
    ...MENU_LABELS.map((label, i): Scenario => ({ name: `choosing 「${label}」 by its number ${i + 1}`, says: [['こんにちは', menu], [String(i + 1), opens[i]!]] })),
    { name: 'a full-width number picks the menu item too', says: [['こんにちは'], ['１', asks(PASSWORD_Q, PASSWORD_CHOICES)]] },
    { name: 'a menu label as the very first message opens that dialog', says: [['エラーメッセージ', ERROR_Q]] },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('a question that fits two related entries almost equally shows both, then asks 解決しましたか？ once', async () => {
    const question = loadDevSet().questions.find(({ q }) => router.route(q).answers.length === 2)!.q;
    const [first, second] = router.route(question).answers.map((a) => a.entry.id) as [string, string];
    await play([[question, PHRASES.twoAnswers, shows(first), shows(second), asksSolved, (replies) => expect(replies.filter((r) => r.includes(SOLVED))).toHaveLength(1)]]);
  });
});

describe('free text at any time', () => {
  const scenarios: Scenario[] = [
    {
      name: 'a clear question is answered directly with the guide entry, then 解決しましたか？',
      says: [['介護DX証明書のインストール方法を教えてください', shows('cert-install-dx'), asksSolved]],
    },
    {
      name: 'a question typed at the menu is answered the same way',
      says: [['こんにちは', menu], ['介護DX証明書のインストール方法を教えてください', shows('cert-install-dx'), asksSolved]],
    },
    {
      name: 'a question about the whole certificate procedure shows its steps, then starts the certificate dialog',
      says: [['電子証明書インストールの全体の流れを教えてください', shows('cert-overview'), asksLast(PASSWORD_Q, PASSWORD_CHOICES)]],
    },
    {
      name: 'a question about the whole onboarding flow starts the getting-started dialog',
      says: [['利用開始までの全体の流れを教えて', shows('onboarding-overview'), asks(STEP_Q, STEP_CHOICES)]],
    },
    {
      name: 'asking for the helpdesk phone number shows the contact and offers a hand-off, without opening a ticket unasked',
      says: [['ヘルプデスクの電話番号を教えて', title('contact'), contact, offersHandoff]],
    },
    {
      name: 'a number inside a question is part of the question, not a menu pick (3 would be エラーメッセージ)',
      says: [['事業所が3つあります。証明書は事業所ごとに必要ですか', shows('faq-q4'), { not: ERROR_Q }, asksSolved]],
    },
    {
      name: 'a number alone still picks from the menu',
      says: [['こんにちは', menu], ['3', ERROR_Q]],
    },
    {
      name: 'a forgotten KJ password asks the one fact its steps depend on, then shows the reset for that case',
      says: [['こんにちは'], ['KJのパスワードを忘れました', asksLast(MAIL_Q, MAIL_CHOICES)], ['登録してないです', shows('kj-id-reset'), '郵送', asksSolved]],
    },
    {
      name: 'a pasted error message is answered from the error catalogue',
      says: [['「現在、証明書発行手数料の残高があるため、発行申請ができません。」と出ました', shows('error-fee-balance'), asksSolved]],
    },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));
});

describe('when the router is unsure', () => {
  const vague = '確認したい';
  const candidates = router.route(vague);
  const labels = [...candidates.candidates.map((c) => c.entry.title), 'その他'];

  it('the router really is unsure about the vague word (precondition)', () => {
    expect(candidates.decision).toBe('unsure');
    expect(candidates.candidates.length).toBeGreaterThanOrEqual(2);
  });

  const scenarios: Scenario[] = [
    { name: 'its candidates come as buttons plus その他', says: [[vague, asks('次のどれについて', labels)]] },
    {
      name: 'picking a candidate by label answers it',
      says: [[vague], [labels[1]!, shows(candidates.candidates[1]!.entry.id), asksSolved]],
    },
    {
      name: 'picking a candidate by number answers it',
      says: [[vague], ['1', shows(candidates.candidates[0]!.entry.id), asksSolved]],
    },
    { name: 'その他 leads back to the menu', says: [[vague], ['その他', '別の言葉で', menu]] },
    { name: 'その他 by number leads back to the menu', says: [[vague], [String(labels.length), menu]] },
    {
      name: 'after その他 the menu works again',
      says: [[vague], ['その他', menu], ['2', asks(ID_Q, ID_CHOICES)]],
    },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));
});

describe('off-topic questions', () => {
  const scenarios: Scenario[] = [
    { name: 'get a polite refusal and the menu', says: [['今日のお昼ご飯は何がいいですか', OFF_TOPIC, '申し訳ありません', menu]] },
    { name: 'asked at the menu, the same', says: [['こんにちは'], ['明日の天気を教えてください', OFF_TOPIC, menu]] },
    { name: 'the menu after the refusal works by number', says: [['今日のお昼ご飯は何がいいですか', menu], ['1', asks(PASSWORD_Q, PASSWORD_CHOICES)]] },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('the refused question is kept (redacted) for the hand-off', async () => {
    const bot = await play([['今日のお昼ご飯は何がいいですか', OFF_TOPIC]]);
    const state = (await storedState(bot)) as { triageFacts?: { unanswered?: string[] } };
    expect(state.triageFacts?.unanswered).toEqual(['今日のお昼ご飯は何がいいですか']);
  });
});

describe('FAQ dialog', () => {
  const scenarios: Scenario[] = ['faq-q1', 'faq-q2', 'faq-q3', 'faq-q4', 'faq-q5'].flatMap((id, i): Scenario[] => [
    { name: `${id} by number`, says: [['よくある質問', asks(FAQ_Q, FAQ_CHOICES)], [String(i + 1), shows(id), asksSolved]] },
    { name: `${id} by label`, says: [['よくある質問'], [FAQ_CHOICES[i]!, shows(id), asksSolved]] },
  ]);
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('answers Q4 with the one-certificate-per-事業所番号 rule', async () => {
    const q4 = entry('faq-q4');
    expect(q4.kind === 'faq' && q4.answer).toContain('1事業所番号ごと');
    await play([['よくある質問'], ['4', '1事業所番号ごと', asksLast('解決しましたか？', ['はい', 'いいえ'])]]);
  });
});

const askStep = asks(STEP_Q, STEP_CHOICES);
const askStepAgain = asksLast(STEP_Q, STEP_CHOICES);

describe('getting-started dialog', () => {
  it('the overview in the guide data has the 7 steps, one entry each (precondition)', () => {
    expect(entry('onboarding-overview').steps).toHaveLength(7);
    expect(ONBOARDING_STEPS).toHaveLength(7);
  });

  const scenarios: Scenario[] = [
    { name: 'shows the 7 steps and asks which to look at', says: [['利用開始までの流れ', shows('onboarding-overview'), askStep]] },
    ...ONBOARDING_STEPS.map((id, i): Scenario => ({
      name: `step ${i + 1} by label shows ${id} and asks again`,
      says: [['利用開始までの流れ'], [STEP_CHOICES[i]!, shows(id), askStepAgain, notShown('onboarding-overview')]],
    })),
    ...ONBOARDING_STEPS.map((id, i): Scenario => ({
      name: `step ${i + 1} by number shows ${id}`,
      says: [['4'], [String(i + 1), shows(id), askStepAgain]],
    })),
    {
      name: 'going deeper as often as needed, then 大丈夫です ends with thanks',
      says: [['利用開始までの流れ'], ['1', shows('onboarding-pc')], ['7', shows('onboarding-start')], ['3', shows('onboarding-id'), askStepAgain], ['大丈夫です', THANKS, { not: STEP_Q }]],
    },
    {
      name: 'a step typed in its own words or by its place is that step, not a question of its own',
      says: [['利用開始までの流れ'], ['証明書インストール', shows('onboarding-certificate'), askStepAgain, notShown('cert-overview')], ['IDの確認のところ', shows('onboarding-id')], ['さんばんめ', shows('onboarding-id')], ['パソコン の かくにん', shows('onboarding-pc')], ['ろく', shows('onboarding-application')], ['IDのところ', shows('onboarding-id')]],
    },
    {
      name: 'a question that shares a step\'s words is answered, then the step question again',
      says: [['利用開始までの流れ'], ['フリーパスってなに？', shows('onboarding-application'), '先ほどの質問に戻ります', askStepAgain]],
    },
    { name: '大丈夫です right away ends with thanks', says: [['利用開始までの流れ'], ['大丈夫です', THANKS]] },
    { name: '大丈夫です by number ends with thanks', says: [['利用開始までの流れ'], ['8', THANKS]] },
    { name: '担当者に相談 among the choices shows the contact', says: [['利用開始までの流れ'], ['9', contact]] },
    {
      name: 'after 大丈夫です the next message starts fresh (the step question is over)',
      says: [['利用開始までの流れ'], ['大丈夫です', THANKS], ['こんにちは', 'ヘルプデスクのチャットボットです', { not: title('onboarding-pc') }]],
    },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('records the feedback and the steps shown', async () => {
    const bot = await play([['利用開始までの流れ'], ['2'], ['大丈夫です']]);
    const { triageFacts } = (await storedState(bot)) as { triageFacts: { topic: string; shownEntries: string[]; feedback: unknown[] } };
    expect(triageFacts.topic).toBe('onboarding');
    expect(triageFacts.shownEntries).toEqual(['onboarding-overview', 'onboarding-software']);
    expect(triageFacts.feedback).toEqual([{ entryId: 'onboarding-overview', solved: true }]);
  });
});

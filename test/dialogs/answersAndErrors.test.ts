import { describe, expect, it } from 'vitest';
import { kb, storedState, testBot } from '../support/testBot';
import {
  asks,
  asksLast,
  asksSolved,
  choiceLine,
  contact,
  ERROR_Q,
  type Expectation,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  play,
  type Scenario,
  shows,
  STEP_CHOICES,
  STEP_Q,
  THANKS,
  offersHandoff,
  title,
} from './conversation';
import type { ErrorEntry } from '../../src/knowledge/schema';

/** Entries that open a dialog: the whole procedures show their steps, then ask; the contact offers a hand-off. */
const OPENS_DIALOG: Record<string, Expectation[]> = {
  'cert-overview': [shows('cert-overview'), asksLast(PASSWORD_Q, PASSWORD_CHOICES)],
  'onboarding-overview': [shows('onboarding-overview'), asks(STEP_Q, STEP_CHOICES)],
  contact: [title('contact'), contact, offersHandoff],
};
const answered = kb.entries.filter((e) => !(e.id in OPENS_DIALOG));

describe('every answer: numbered steps and 出典, then 解決しましたか？', () => {
  it('covers the whole knowledge base (precondition)', () => {
    expect(answered.length + Object.keys(OPENS_DIALOG).length).toBe(kb.entries.length);
    expect(answered.filter((e) => e.steps.length > 0).length).toBeGreaterThan(10);
  });

  const solved: Scenario[] = answered.map((e) => ({
    name: `${e.id}: asked by its title, answered; はい → thanks`,
    says: [[e.title, shows(e.id), asksSolved], ['はい', THANKS, { not: kb.contact.phone }]],
  }));
  const unsolved: Scenario[] = answered.map((e) => ({
    name: `${e.id}: いいえ → escalation with the phone number`,
    says: [[e.title, asksSolved], ['いいえ', '解決できず申し訳ありません', contact, { not: THANKS }]],
  }));
  const dialogs: Scenario[] = Object.entries(OPENS_DIALOG).map(([id, expected]) => ({
    name: `${id}: asked by its title, opens its dialog`,
    says: [[kb.byId.get(id)!.title, ...expected]],
  }));
  for (const s of [...solved, ...unsolved, ...dialogs]) it(s.name, () => play(s.says));

  it('はい / いいえ also work as 1 / 2 and as everyday words', async () => {
    await play([['介護DX証明書のインストール方法を教えてください', asksSolved], ['1', THANKS]]);
    await play([['介護DX証明書のインストール方法を教えてください', asksSolved], ['2', contact]]);
    await play([['介護DX証明書のインストール方法を教えてください', asksSolved], ['解決しました', THANKS]]);
    await play([['介護DX証明書のインストール方法を教えてください', asksSolved], ['できない', contact]]);
  });

  it('the answer to 解決しましたか？ is recorded', async () => {
    const bot = await play([['介護DX証明書のインストール方法を教えてください'], ['いいえ', contact]]);
    const { triageFacts } = (await storedState(bot)) as { triageFacts: { feedback: unknown[] } };
    expect(triageFacts.feedback).toEqual([{ entryId: 'cert-install-dx', solved: false }]);
  });
});

const errors = kb.entries.filter((e): e is ErrorEntry => e.kind === 'error');
/** The buttons the dialog offers: the first known messages, long ones cut with "…". */
const BUTTONS = errors.slice(0, 6).map((e) => (e.message.length <= 40 ? e.message : `${e.message.slice(0, 39)}…`));

const facts = async (bot: ReturnType<typeof testBot>) => ((await storedState(bot)) as { triageFacts: { errorMessage?: string; topic?: string } }).triageFacts;

describe('error-message dialog', () => {
  it('offers buttons for known messages', () =>
    play([['エラーメッセージ', ERROR_Q, (replies) => expect(replies.at(-1)!.split('\n').at(-1)).toBe(choiceLine(BUTTONS))]]));

  const clicked: Scenario[] = errors.slice(0, 6).map((e, i) => ({
    name: `the button 「${BUTTONS[i]}」 answers ${e.id}`,
    says: [['エラーメッセージ'], [BUTTONS[i]!, shows(e.id), asksSolved]],
  }));

  // Every catalogued message, pasted in full, as the screen shows it.
  const pasted: Scenario[] = errors.map((e) => ({
    name: `the full message of ${e.id} pasted`,
    says: [['エラーメッセージ'], [e.message, shows(e.id), asksSolved]],
  }));

  const variants: Array<[kind: string, text: string, id: string]> = [
    ['fragment with surrounding words', 'ログインしたら「パスワードの有効期限が切れています」って出ます', 'error-password-expired'],
    ['fragment with surrounding words', '申請ボタン押したら 確認せずに証明書の発行申請は行えません と言われた', 'error-read-before-apply'],
    ['fragment with surrounding words', '画面に 残高があるため とか出て進めない', 'error-fee-balance'],
    ['fragment with surrounding words', '通知書のzipを開こうとしたら ZIPファイルを開くにはパスワードが必要 と出た', 'error-zip-password'],
    ['fragment with surrounding words', '証明書発行の履歴はありませんと出る', 'error-no-issue-history'],
    ['typo', 'パスワードの有効期現が切れています', 'error-password-expired'],
    ['typo', 'ログイン中のユーザIDで発行済のの介護DX証名書があります', 'error-dx-already-issued'],
    ['typo', '確認せずに証明書の発効申請は行えません', 'error-read-before-apply'],
    ['typo', '添付のZIPフアイルを開くにはパスワードが必用です', 'error-zip-password'],
    ['typo and full width', '介護ＤＸ証明書は、介護給付費の請求ではしようできません', 'error-dx-not-for-billing'],
    ['typo', '現在、証明書発行手数量の残高があるため、発行申請ができません', 'error-fee-balance'],
    ['without punctuation', '現在証明書発行手数料の残高があるため発行申請が出来ません', 'error-fee-balance'],
  ];
  const fuzzy: Scenario[] = variants.map(([kind, text, id]) => ({
    name: `${kind}: 「${text}」 → ${id}`,
    says: [['エラーメッセージ'], [text, shows(id), asksSolved]],
  }));

  const afterwards: Scenario[] = [
    { name: 'solved → thanks', says: [['エラーメッセージ'], [errors[0]!.message, asksSolved], ['はい', THANKS]] },
    { name: 'not solved → contact', says: [['エラーメッセージ'], [errors[0]!.message, asksSolved], ['いいえ', contact]] },
    {
      name: 'an unknown message → told it is not in the guides, and the contact',
      says: [['エラーメッセージ'], ['プリンターから煙が出ています', 'ガイドに記載がありませんでした', contact, { not: '解決しましたか' }]],
    },
  ];

  for (const s of [...clicked, ...pasted, ...fuzzy, ...afterwards]) it(s.name, () => play(s.says));

  it('keeps an unknown message for the hand-off (facts.errorMessage)', async () => {
    const bot = await play([['エラーメッセージ'], ['  E-9999 想定外の例外が発生しました  ', contact]]);
    expect(await facts(bot)).toMatchObject({ topic: 'error', errorMessage: 'E-9999 想定外の例外が発生しました' });
  });

  it('keeps a known message too', async () => {
    const bot = await play([['エラーメッセージ'], ['証明書発行の履歴はありませんと出る', shows('error-no-issue-history')]]);
    expect((await facts(bot)).errorMessage).toBe('証明書発行の履歴はありませんと出る');
  });

  it('keeps at most 500 characters of a huge paste', async () => {
    const bot = await play([['エラーメッセージ'], ['謎のエラー'.repeat(20_000)]]);
    expect((await facts(bot)).errorMessage?.length).toBeLessThanOrEqual(500);
  });

  it('an empty message asks again instead of escalating', () =>
    play([['エラーメッセージ'], ['', ERROR_Q, { not: 'ガイドに記載がありませんでした' }], [errors[0]!.message, shows(errors[0]!.id)]]));

  // The error question's buttons render as "[1] …  [2] …" on text channels like every other question.
  for (let i = 0; i < 3; i++) {
    it(`typing the number ${i + 1} of a shown button answers that message`, () =>
      play([['エラーメッセージ'], [String(i + 1), shows(errors[i]!.id), { not: 'ガイドに記載がありませんでした' }]]));
  }
});

import { describe, expect, it } from 'vitest';
import { say, storedState, testBot } from '../support/testBot';
import {
  asks,
  asksLast,
  asksSolved,
  contact,
  entry,
  type Expectation,
  HISTORY_CHOICES,
  HISTORY_Q,
  ID_CHOICES,
  ID_Q,
  LOGIN_CHOICES,
  LOGIN_Q,
  MAIL_CHOICES,
  MAIL_Q,
  notShown,
  PASSWORD_CHOICES,
  PASSWORD_Q,
  play,
  replyWith,
  type Scenario,
  shows,
  STATUS_CHOICES,
  STATUS_Q,
  THANKS,
  title,
  type Turn,
} from './conversation';

const askPassword = asks(PASSWORD_Q, PASSWORD_CHOICES);
const askLogin = asks(LOGIN_Q, LOGIN_CHOICES);
const askHistory = asks(HISTORY_Q, HISTORY_CHOICES);

/** FAQ Q4's rule, attached to every install answer as a note. */
const q4 = entry('faq-q4');
const ONE_PER_OFFICE = q4.kind === 'faq' ? q4.answer : '';
const onePerOfficeNoteOn = (id: string): Expectation => (replies) => expect(replyWith(replies, id)).toContain(`※${ONE_PER_OFFICE}`);

/** The install check (参考 電子証明書の確認方法) after the install steps, then 解決しましたか？. */
const installCheckAfter = (id: string): Expectation => (replies) => {
  const install = replies.findIndex((r) => r.includes(title(id)));
  const verify = replies.findIndex((r) => r.includes(title('cert-verify')));
  expect(install).toBeGreaterThanOrEqual(0);
  expect(verify).toBeGreaterThan(install);
};

const toHistory: Turn[] = [['電子証明書のインストール', askPassword], ['手元にある', askLogin], ['ログインできる', askHistory]];

describe('certificate dialog', () => {
  const scenarios: Scenario[] = [
    {
      name: 'password at hand → login question (no reissue procedure)',
      says: [['電子証明書のインストール', askPassword], ['手元にある', askLogin, notShown('cert-password-reissue')]],
    },
    {
      name: 'password missing → the reissue procedure (section 4), then the login question',
      says: [['電子証明書のインストール'], ['わからない・紛失した', shows('cert-password-reissue'), askLogin]],
    },
    {
      name: 'password missing, by number',
      says: [['1'], ['2', shows('cert-password-reissue'), askLogin]],
    },
    {
      name: 'login no → the ID dialog, already knowing it is the KJ ID',
      says: [['電子証明書のインストール'], ['手元にある'], ['ログインできない', 'ログインできるようにしましょう', asks(STATUS_Q, STATUS_CHOICES)]],
    },
    {
      name: 'login no → ID dialog → the KJ reset procedure answers',
      says: [
        ['1'],
        ['わからない・紛失した', shows('cert-password-reissue')],
        ['ログインできない', asks(STATUS_Q, STATUS_CHOICES)],
        ['IDかパスワードがわからない', asks(MAIL_Q, MAIL_CHOICES)],
        ['登録している', shows('kj-id-reset'), '即時', asksSolved],
      ],
    },
    {
      name: '履歴 あり → 3-2 介護保険証明書 steps, the install check and the Q4 note',
      says: [
        ...toHistory,
        ['発行履歴あり', shows('cert-install-hoken'), onePerOfficeNoteOn('cert-install-hoken'), shows('cert-verify'), installCheckAfter('cert-install-hoken'), notShown('cert-install-dx'), asksSolved],
      ],
    },
    {
      name: '履歴 なし → 3-1 介護DX証明書 steps (13), the install check and the Q4 note',
      says: [
        ...toHistory,
        ['発行履歴なし', shows('cert-install-dx'), '13. ', { not: '14. ' }, onePerOfficeNoteOn('cert-install-dx'), shows('cert-verify'), installCheckAfter('cert-install-dx'), notShown('cert-install-hoken'), asksSolved],
      ],
    },
    {
      name: '履歴 わからない → how to check (section 2), then the same question again',
      says: [...toHistory, ['わからない', shows('cert-history-check'), askHistory, notShown('cert-install-dx')]],
    },
    {
      name: '履歴 わからない twice, then なし → 3-1',
      says: [...toHistory, ['わからない', shows('cert-history-check')], ['わからない', shows('cert-history-check'), askHistory], ['発行履歴なし', shows('cert-install-dx'), asksSolved]],
    },
    {
      name: '履歴 わからない, then あり → 3-2',
      says: [...toHistory, ['3', shows('cert-history-check')], ['1', shows('cert-install-hoken'), shows('cert-verify'), asksSolved]],
    },
    {
      name: '代理請求 → FAQ Q5, then 3-1 and the install check',
      says: [
        ...toHistory,
        [
          '代理請求をしている',
          shows('faq-q5'),
          shows('cert-install-dx'),
          shows('cert-verify'),
          (replies) => expect(replies.findIndex((r) => r.includes(title('faq-q5')))).toBeLessThan(replies.findIndex((r) => r.includes(title('cert-install-dx')))),
          asksSolved,
        ],
      ],
    },
    {
      name: 'solved → thanks',
      says: [...toHistory, ['発行履歴なし', asksSolved], ['はい', THANKS]],
    },
    {
      name: 'not solved → the helpdesk contact',
      says: [...toHistory, ['発行履歴なし', asksSolved], ['いいえ', '解決できず申し訳ありません', contact]],
    },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));

  it('3-1 really has 13 numbered steps in the guide data (precondition of the 13-step check)', () => {
    expect(entry('cert-install-dx').steps).toHaveLength(13);
  });

  it('records what it learned for the hand-off', async () => {
    const bot = await play([['1'], ['わからない・紛失した'], ['ログインできる'], ['代理請求をしている']]);
    const { triageFacts } = (await storedState(bot)) as { triageFacts: Record<string, unknown> };
    expect(triageFacts).toMatchObject({ topic: 'certificate', certificatePassword: 'no', kjLogin: 'yes', certificateHistory: 'proxy' });
    expect(triageFacts.shownEntries).toEqual(['cert-password-reissue', 'faq-q5', 'cert-install-dx', 'cert-verify']);
  });
});

const askId = asks(ID_Q, ID_CHOICES);
const askStatus = asks(STATUS_Q, STATUS_CHOICES);
const askMail = asks(MAIL_Q, MAIL_CHOICES);

const reset = entry('kj-id-reset');
const IMMEDIATE = reset.cases['security-mail-registered']!;
const BY_POST = reset.cases['security-mail-unregistered']!;

/** kj-id-reset told for one situation only: that case first, the other case not at all. */
const resetFor = (said: string, unsaid: string): Expectation => (replies) => {
  const reply = replyWith(replies, 'kj-id-reset');
  expect(reply).toContain(said);
  expect(reply).not.toContain(unsaid);
};

const toStatus: Turn[] = [['ID・パスワード', askId], ['事業所ユーザID（KJから始まる）', askStatus]];
const toMail: Turn[] = [...toStatus, ['IDかパスワードがわからない', askMail]];

describe('ID dialog', () => {
  it('the reset entry has the two cases the dialog relies on (precondition)', () => {
    expect(IMMEDIATE).toContain('即時');
    expect(BY_POST).toContain('郵送');
    expect(BY_POST).toContain('数日から1週間程度');
  });

  const scenarios: Scenario[] = [
    { name: 'asks which ID: KJ / c / わからない', says: [['ID・パスワード', askId]] },
    { name: 'KJ → asks the situation', says: toStatus },
    { name: 'KJ by number → asks the situation', says: [['2'], ['1', askStatus]] },
    { name: 'KJ → IDかパスワードがわからない → security mail registered?', says: toMail },
    {
      name: 'security mail registered → the immediate reset (即時)',
      says: [...toMail, ['登録している', shows('kj-id-reset'), resetFor(IMMEDIATE, BY_POST), '即時', { not: '郵送' }, asksSolved]],
    },
    {
      name: 'security mail not registered → reissue by post (郵送, 数日から1週間程度)',
      says: [...toMail, ['登録していない', shows('kj-id-reset'), resetFor(BY_POST, IMMEDIATE), '郵送', '数日から1週間程度', { not: '即時' }, asksSolved]],
    },
    {
      name: 'security mail unknown → reissue by post too',
      says: [...toMail, ['わからない', shows('kj-id-reset'), resetFor(BY_POST, IMMEDIATE), asksSolved]],
    },
    {
      name: 'expired password → FAQ Q2',
      says: [...toStatus, ['「パスワードの有効期限が切れています」と表示される', shows('faq-q2'), notShown('kj-id-reset'), asksSolved]],
    },
    { name: 'temporary password → FAQ Q2', says: [...toStatus, ['仮パスワードが届いた', shows('faq-q2'), asksSolved]] },
    { name: 'temporary password by number → FAQ Q2', says: [...toStatus, ['3', shows('faq-q2'), asksSolved]] },
    {
      name: 'c → where the 利用状況WEBサイト shows the personal ID',
      says: [['ID・パスワード'], ['個人ユーザID（cから始まる）', shows('onboarding-c-id'), '利用状況WEBサイト', asksSolved]],
    },
    {
      name: 'which ID わからない → both IDs explained, then the same question again',
      says: [['ID・パスワード'], ['わからない', '2つのID', shows('onboarding-start'), asksLast(ID_Q, ID_CHOICES)], ['2', shows('onboarding-c-id')]],
    },
    {
      name: 'an opening that does not know which ID → both IDs explained, then the question, answered by typing',
      says: [['IDが2種類あるって聞いたんですけど、私が忘れたのがどっちなのかわかりません', '2つのID', shows('onboarding-start'), asksLast(ID_Q, ID_CHOICES)], ['KJのほうです', asksLast(STATUS_Q, STATUS_CHOICES)]],
    },
    {
      name: 'a temporary password is the KJ ID\'s: FAQ Q2 without asking which ID',
      says: [['仮パスワードが届いたんですけど', shows('faq-q2'), asksSolved]],
    },
    { name: 'solved → thanks', says: [...toStatus, ['仮パスワードが届いた', asksSolved], ['はい', THANKS]] },
    { name: 'not solved → contact', says: [...toMail, ['登録している', asksSolved], ['いいえ', contact]] },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));
});

describe('typed KJ IDs', () => {
  const valid: Array<[typed: string, name: string]> = [
    ['KJ0123456789AB', 'half width'],
    ['ＫＪ０１２３４５６７８９ＡＢ', 'full width'],
    ['kj0123456789ab', 'lower case'],
    ['KJ0123-4567-89AB', 'with hyphens'],
    ['KJ 0123 4567 89AB', 'with spaces'],
    ['私のIDはKJ0123456789ABです', 'inside a sentence'],
  ];
  for (const [typed, name] of valid) {
    it(`a well-formed KJ ID (${name}) is accepted as the KJ choice with a confirmation`, () =>
      play([['ID・パスワード', askId], [typed, 'KJ0123456789AB は事業所ユーザIDの形式', '正しい', askStatus]]));
  }

  const malformed: Array<[typed: string, problem: string]> = [
    ['KJ12345', '5桁'],
    ['KJ0123456789ABC', '13桁'],
    ['ＫＪ１２３', '3桁'],
  ];
  for (const [typed, problem] of malformed) {
    it(`a malformed KJ ID (${typed}) is explained: ${problem} where 12 are needed`, () =>
      play([['ID・パスワード'], [typed, '形式が正しくない', problem, '12桁', { not: STATUS_Q }]]));
  }

  it('what else the message with the ID tells is kept: an expired password skips the status question', () =>
    play([['ID・パスワード', askId], ['KJ0123456789AB これです。PWが期限切れと言われる', '正しい', shows('faq-q2'), { not: STATUS_Q }, asksSolved]]));

  it('after a malformed ID the next proper answer still advances the dialog', () =>
    play([['ID・パスワード'], ['KJ12345', '形式が正しくない'], ['事業所ユーザID（KJから始まる）', askStatus], ['1', askMail]]));

  it('after a malformed ID a well-formed one is accepted', () =>
    play([['ID・パスワード'], ['KJ12345', '形式が正しくない'], ['KJ0123456789AB', '正しい', askStatus]]));

  // botbuilder sends the retry prompt only when nothing was sent this turn; after the explanation the
  // question must still come back with its buttons.
  it('after a malformed ID the question is asked again, with its buttons', () =>
    play([['ID・パスワード'], ['KJ12345', '形式が正しくない', asksLast(ID_Q, ID_CHOICES)]]));

  // A non-alphanumeric character is named as such, not miscounted as a shorter ID.
  const nonAlphanumeric = ['KJ01234_567890', 'KJ0123.4567.89AB', 'ＫＪ０１２３＃４５６７８９Ａ'];
  for (const typed of nonAlphanumeric) {
    it(`a KJ ID with a non-alphanumeric character (${typed}) is explained as such`, () =>
      play([['ID・パスワード'], [typed, '形式が正しくない', '英数字以外']]));
  }
});

describe('the bot never asks for a password', () => {
  const flows: string[][] = [
    ['ID・パスワード', '1', '1', '1', 'いいえ'],
    ['ID・パスワード', '1', '1', '2', 'いいえ'],
    ['ID・パスワード', '1', '2', 'いいえ'],
    ['ID・パスワード', '1', '3', 'いいえ'],
    ['ID・パスワード', '2', 'いいえ'],
    ['ID・パスワード', '3', '1', '1', '3'],
    ['ID・パスワード', 'KJ12345', 'KJ0123456789AB', '1', '1'],
  ];
  // A question of the bot's own (a reply that ends with choices and is not a quoted guide entry).
  const isQuestion = (reply: string) => /^\[1\] /m.test(reply) && !reply.startsWith('【');
  const asksForPassword = /パスワード(を|も)?(入力|教えて|送信|送って|お知らせ)(して)?(ください|下さい)/;

  for (const flow of flows) {
    it(`in the flow ${flow.join(' → ')}`, async () => {
      const { adapter } = testBot();
      const questions: string[] = [];
      for (const text of flow) questions.push(...(await say(adapter, text)).filter(isQuestion));
      expect(questions.length).toBeGreaterThan(0);
      for (const q of questions) expect(q).not.toMatch(asksForPassword);
    });
  }

  it('the ID question says not to type the password', () => play([['ID・パスワード', 'パスワードは入力しないでください']]));
});

describe('facts for the hand-off', () => {
  it('records ID type, situation and security mail', async () => {
    const bot = await play([...toMail, ['登録していない']]);
    const { triageFacts } = (await storedState(bot)) as { triageFacts: Record<string, unknown> };
    expect(triageFacts).toMatchObject({ topic: 'id', idType: 'kj', idStatus: 'lost', securityMail: 'no' });
  });
});

/**
 * The facts the triage asks about: each one's name and values, with the Japanese the bot uses for
 * them (the button, and the phrase it restates a fact with: 「{said}とのことですので…」). One table for
 * the questions, the replies and the tickets; facts.yaml holds the words that state each value.
 */
export const FACTS = {
  certificatePassword: {
    label: '証明書発行用パスワード',
    values: {
      yes: { label: '手元にある', said: '証明書発行用パスワードがお手元にある' },
      no: { label: 'わからない・紛失した', said: '証明書発行用パスワードがわからない' },
    },
  },
  kjLogin: {
    label: '電子請求受付システムへのログイン',
    values: {
      yes: { label: 'ログインできる', said: '電子請求受付システムにログインできる' },
      no: { label: 'ログインできない', said: '電子請求受付システムにログインできない' },
    },
  },
  certificateHistory: {
    label: '介護保険証明書の発行履歴',
    values: {
      yes: { label: '発行履歴あり', said: '介護保険証明書の発行履歴がある' },
      no: { label: '発行履歴なし', said: '介護保険証明書の発行履歴がない' },
      unknown: { label: 'わからない', said: '発行履歴がわからない' },
      proxy: { label: '代理請求をしている', said: '代理請求をしている' },
    },
  },
  certificateKind: {
    label: 'インストールする証明書',
    values: {
      dx: { label: '介護DX証明書', said: '介護DX証明書をインストールしたい' },
      hoken: { label: '介護保険証明書', said: '介護保険証明書をインストールしたい' },
    },
  },
  idType: {
    label: 'IDの種類',
    values: {
      kj: { label: '事業所ユーザID（KJから始まる）', said: 'KJから始まるID（事業所ユーザID）についてのご質問' },
      c: { label: '個人ユーザID（cから始まる）', said: 'cから始まるID（個人ユーザID）についてのご質問' },
      unknown: { label: 'わからない', said: 'どちらのIDかわからない' },
    },
  },
  idStatus: {
    label: 'IDの状況',
    values: {
      lost: { label: 'IDかパスワードがわからない', said: 'IDかパスワードがわからない' },
      expired: { label: '「パスワードの有効期限が切れています」と表示される', said: 'パスワードの有効期限が切れている' },
      temporary: { label: '仮パスワードが届いた', said: '仮パスワードが届いた' },
    },
  },
  securityMail: {
    label: 'セキュリティ用メールアドレス',
    values: {
      yes: { label: '登録している', said: 'セキュリティ用メールアドレスを登録している' },
      no: { label: '登録していない', said: 'セキュリティ用メールアドレスを登録していない' },
      unknown: { label: 'わからない', said: 'セキュリティ用メールアドレスの登録がわからない' },
    },
  },
} as const;
/** Answers to the bot's questions about its own answers: read from a typed answer, never kept as facts. */
export const ANSWERS = {
  solved: { values: { yes: { label: 'はい' }, no: { label: 'いいえ' } } },
  handoff: { values: { yes: { label: '担当者に引き継ぐ' }, no: { label: '自分で問い合わせる' } } },
} as const;

const valuesOf = <T extends Record<string, { values: object }>>(table: T) =>
  Object.fromEntries(Object.entries(table).map(([slot, { values }]) => [slot, Object.keys(values)])) as { [S in keyof T]: Array<keyof T[S]['values'] & string> };
/** Each fact's values, as facts.yaml must define them. */
export const FACT_VALUES = valuesOf(FACTS);
export const ANSWER_VALUES = valuesOf(ANSWERS);

export type FactSlot = keyof typeof FACTS;
export type AnswerSlot = keyof typeof ANSWERS;
export type Slot = FactSlot | AnswerSlot;
export type ValueOf<S extends Slot> = S extends FactSlot ? keyof (typeof FACTS)[S]['values'] & string : S extends AnswerSlot ? keyof (typeof ANSWERS)[S]['values'] & string : never;
export type Facts = { [S in FactSlot]?: ValueOf<S> };

export const FACT_SLOTS = Object.keys(FACTS) as FactSlot[];

/** The button label of a value. */
export function labelOf<S extends Slot>(slot: S, value: ValueOf<S>): string {
  const table = (slot in FACTS ? FACTS : ANSWERS) as Record<string, { values: Record<string, { label: string }> }>;
  return table[slot]!.values[value]!.label;
}

/** The buttons of a question: every value's label, in the table's order. */
export function labelsOf(slot: Slot): string[] {
  const table = (slot in FACTS ? FACTS : ANSWERS) as Record<string, { values: Record<string, { label: string }> }>;
  return Object.values(table[slot]!.values).map((v) => v.label);
}

/** The value a button label stands for. */
export function valueOfLabel<S extends Slot>(slot: S, label: string): ValueOf<S> | undefined {
  const table = (slot in FACTS ? FACTS : ANSWERS) as Record<string, { values: Record<string, { label: string }> }>;
  return Object.entries(table[slot]!.values).find(([, v]) => v.label === label)?.[0] as ValueOf<S> | undefined;
}

/** The facts as a ticket shows them: [name, value] rows, in the table's order (a value the table lacks, from an older version's state, as it was kept). */
export function factRows(facts: Facts): Array<[label: string, value: string]> {
  return FACT_SLOTS.filter((slot) => typeof facts[slot] === 'string').map((slot) => {
    const value = facts[slot]!;
    return [FACTS[slot].label, (FACTS[slot].values as Record<string, { label: string }>)[value]?.label ?? value];
  });
}

/** 「介護保険証明書の発行履歴がない、電子請求受付システムにログインできる」: facts as the bot restates them. */
export function saidOf(facts: Facts): string {
  return FACT_SLOTS.filter((slot) => facts[slot] !== undefined)
    .map((slot) => (FACTS[slot].values as Record<string, { said: string }>)[facts[slot]!]!.said)
    .join('、');
}

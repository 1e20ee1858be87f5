import type { Analyzer } from './analyzer';
import { MAX_QUERY_CHARS } from './normalize';
import type { FactFile, Topic } from './schema';

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

type Polarity = 'affirm' | 'negate' | 'unknown' | 'yes' | 'no';
type Meaning =
  | { kind: 'about'; slot: FactSlot }
  | { kind: 'value'; slot: Slot; value: string }
  | { kind: 'polarity'; polarity: Polarity }
  | { kind: 'topic'; topic: Topic }
  | { kind: 'filler' };

interface Token {
  start: number;
  end: number;
  meanings: Meaning[];
}

/** What one message says. */
export interface Reading {
  /** Facts stated in the message (a polarity word is taken only next to what it is said of). */
  facts: Facts;
  /** Facts the message states both ways (あるけどない): none of them is taken. */
  contradictory: FactSlot[];
  /** Topics named, in facts.yaml's order of precedence. */
  topics: Topic[];
  /** Nothing but topic words, facts and filler: "証明書を入れたい", "エラーが出て困っています". */
  vague: boolean;
  /** How much the message says beyond its topic, facts and filler (a kanji counts two, kana and Latin one). */
  residual: number;
  /** The message asks something ("…どこにありますか？"). */
  asks: boolean;
}

/** A typed answer to one of the bot's questions. */
export interface AnswerReading<S extends Slot = Slot> {
  /** The value the answer means, when it means exactly one. */
  value?: ValueOf<S>;
  /** Values it could mean (two or more) when it is ambiguous. */
  candidates: Array<ValueOf<S>>;
  /** Everything else the message states, other questions' facts included. */
  reading: Reading;
}

/** How far (in characters) a polarity word may stand from what it is said of: after it, and (rarely) before it. */
const SUBJECT_BEFORE = 20;
const SUBJECT_AFTER = 6;
/** Particles and endings that do not make a message more specific. */
const PARTICLES = new Set(Array.from('ヲガハノニデトモヘヤカネヨナワダッンテタシイ'));
// Sentence ends, and the conjunctions after which a new clause starts ("…ないのですが、どうすれば？").
const CLAUSE_END = /(?<=[。．.!！?？\n])|(?<=(?:ので|のですが|んですが|んですけど|んだけど|けど|けれど|けれども|ですが|ますが|でしたが)[、,]?)/u;
const ASKING = /(?:[?？]\s*$)|(?:(?:です|ます|でしょう|ません|だろう|でした|ました)か[。．]?\s*$)/u;
const HEDGED = /かな[?？]?\s*$/u;
const ASCII_WORD = /^[a-z0-9]+$/;
const KANJI = /\p{Script=Han}/u;
/** A message that says no more than this beyond its topic is vague. */
const VAGUE_RESIDUAL = 1;
const ASCII_CHAR = /[a-z0-9]/;

/**
 * Reads the facts of the triage from free text, in the words of facts.yaml: longest cue first over
 * the normalised, synonym-folded text, polarity words bound to the nearest thing they are said of,
 * negation suffixes turning an affirmation round (登録して|いない). Used for openings (which
 * facts, which topic, how vague), for typed answers to the bot's questions, and by the router's
 * callers to drop entries that contradict what the user said.
 */
export class FactReader {
  private readonly cues = new Map<string, Meaning[]>();
  private readonly longestCue: number;
  private readonly negationSuffixes: string[];
  private readonly topicOrder: Topic[];
  private readonly polarityOf: { [S in Slot]?: Partial<Record<'affirm' | 'negate' | 'unknown', string>> } = {};
  private readonly topicOfSlot = new Map<FactSlot, Topic>();
  /** Per fact, words one of which must be in the clause for its words to count. */
  private readonly requiredWith = new Map<FactSlot, string[]>();

  constructor(
    readonly file: FactFile,
    private readonly analyzer: Analyzer,
  ) {
    const add = (word: string, meaning: Meaning) => {
      const form = this.compact(word).text;
      if (!form) return;
      const list = this.cues.get(form) ?? [];
      if (!list.some((m) => JSON.stringify(m) === JSON.stringify(meaning))) list.push(meaning);
      this.cues.set(form, list);
    };
    const { polarity } = file;
    for (const p of ['affirm', 'negate', 'unknown', 'yes', 'no'] as const) for (const w of polarity[p]) add(w, { kind: 'polarity', polarity: p });
    for (const w of [...polarity.neutral, ...file.filler]) add(w, { kind: 'filler' });
    this.topicOrder = Object.keys(file.topics) as Topic[];
    for (const [topic, words] of Object.entries(file.topics) as Array<[Topic, string[]]>) for (const w of words) add(w, { kind: 'topic', topic });
    for (const [slot, fact] of Object.entries(file.facts) as Array<[FactSlot, FactFile['facts'][string]]>) {
      this.topicOfSlot.set(slot, fact.topic);
      this.polarityOf[slot] = fact.polarity;
      if (fact.requires.length) this.requiredWith.set(slot, fact.requires.map((w) => this.compact(w).text));
      for (const w of fact.about) add(w, { kind: 'about', slot });
      for (const [value, words] of Object.entries(fact.values)) for (const w of words) add(w, { kind: 'value', slot, value });
    }
    for (const [slot, answer] of Object.entries(file.answers) as Array<[AnswerSlot, FactFile['answers'][string]]>) {
      this.polarityOf[slot] = answer.polarity;
      for (const [value, words] of Object.entries(answer.values)) for (const w of words) add(w, { kind: 'value', slot, value });
    }
    this.negationSuffixes = polarity.negationSuffixes.map((s) => this.compact(s).text).filter(Boolean).sort((a, b) => b.length - a.length);
    this.longestCue = Math.max(...[...this.cues.keys()].map((k) => k.length));
  }

  /** The facts, topics and vagueness of a message that answers no question (an opening, a question mid-dialog). */
  read(text: string): Reading {
    return this.interpret(text).reading;
  }

  /** A typed answer to the question about `slot`: its value, or the values it could mean. */
  answer<S extends Slot>(slot: S, text: string): AnswerReading<S> {
    const { reading, answers } = this.interpret(text, slot);
    const candidates = answers as Array<ValueOf<S>>;
    return { value: candidates.length === 1 ? candidates[0] : undefined, candidates: candidates.length > 1 ? candidates : [], reading };
  }

  /** The topic a fact belongs to. */
  topicOf(slot: FactSlot): Topic {
    return this.topicOfSlot.get(slot)!;
  }

  private interpret(text: string, asked?: Slot): { reading: Reading; answers: string[] } {
    const found = new Map<FactSlot, Set<string>>();
    const topics = new Set<Topic>();
    // For the question asked: words of its own values first, then polarity, then a bare はい／いいえ.
    const levels: Array<Set<string>> = [new Set(), new Set(), new Set()];
    let residual = 0;
    let asks = false;
    const raw = text.slice(0, MAX_QUERY_CHARS * 2);
    for (const clause of raw.split(CLAUSE_END)) {
      const { text: compact, boundary } = this.compact(clause);
      if (!compact) continue;
      const asking = ASKING.test(clause.trim()) && !HEDGED.test(clause.trim());
      asks ||= asking;
      const tokens = this.scan(compact, boundary, asked);
      residual += this.uncovered(compact, tokens);
      const abouts = tokens.filter((t) => t.meanings.some((m) => m.kind === 'about'));
      for (const token of tokens) {
        for (const meaning of token.meanings) {
          if (meaning.kind === 'topic') topics.add(meaning.topic);
          if (meaning.kind === 'about') topics.add(this.topicOf(meaning.slot));
          if (meaning.kind === 'value') {
            const value = this.flipped(meaning.slot, meaning.value, compact, token.end);
            if (meaning.slot in FACT_VALUES) {
              const slot = meaning.slot as FactSlot;
              const required = this.requiredWith.get(slot);
              if (required && !required.some((w) => compact.includes(w))) continue;
              topics.add(this.topicOf(slot));
              // A question mentions a fact without stating it ("代理請求の場合は？" still says 代理請求).
              if (value) add(found, slot, value);
            }
            if (meaning.slot === asked && value && !asking) levels[0]!.add(value);
          }
          // "どこにあるか(わからない)" asks, it does not say there is one; "あるかも" does.
          if (meaning.kind === 'polarity' && compact[token.end] === 'カ' && !'モナ'.includes(compact[token.end + 1] ?? '')) continue;
          if (meaning.kind === 'polarity') {
            const polarity = meaning.polarity === 'affirm' && this.negatedAfter(compact, token.end) ? 'negate' : meaning.polarity;
            if (polarity === 'yes' || polarity === 'no') {
              if (!asking && asked) levels[2]!.add(this.polarityOf[asked]?.[polarity === 'yes' ? 'affirm' : 'negate'] ?? '');
              continue;
            }
            // "…はありますか？" asks whether, it does not say so.
            if (asking) continue;
            const subject = this.subjectOf(token, abouts, polarity);
            if (subject) add(found, subject, this.polarityOf[subject]![polarity]!);
            else if (asked) levels[1]!.add(this.polarityOf[asked]?.[polarity] ?? '');
            if (subject && subject === asked) levels[1]!.add(this.polarityOf[asked]![polarity]!);
          }
        }
      }
    }
    const facts: Facts = {};
    const contradictory: FactSlot[] = [];
    for (const [slot, values] of found) {
      if (values.size === 1) (facts as Record<string, string>)[slot] = [...values][0]!;
      else contradictory.push(slot);
    }
    for (const level of levels) level.delete('');
    const answers = [...(levels.find((level) => level.size > 0) ?? [])];
    if (asked && asked in FACT_VALUES && answers.length === 1) (facts as Record<string, string>)[asked] = answers[0]!;
    const named = this.topicOrder.filter((t) => topics.has(t));
    return { reading: { facts, contradictory, topics: named, vague: named.length > 0 && residual <= VAGUE_RESIDUAL, residual, asks }, answers };
  }

  /** The nearest thing (a fact's "about" word) the polarity word is said of, before it or just after it. */
  private subjectOf(token: Token, abouts: Token[], polarity: 'affirm' | 'negate' | 'unknown'): FactSlot | undefined {
    let best: { slot: FactSlot; distance: number } | undefined;
    for (const about of abouts) {
      const distance = about.end <= token.start ? token.start - about.end : about.start >= token.end ? about.start - token.end : -1;
      const limit = about.end <= token.start ? SUBJECT_BEFORE : SUBJECT_AFTER;
      if (distance < 0 || distance > limit) continue;
      // Words before count a little closer: Japanese states the subject first (履歴は、ありません).
      const weighted = about.end <= token.start ? distance : distance * 3;
      for (const m of about.meanings) {
        if (m.kind !== 'about' || !this.polarityOf[m.slot]?.[polarity]) continue;
        if (!best || weighted < best.distance) best = { slot: m.slot, distance: weighted };
      }
    }
    return best?.slot;
  }

  /** A value that affirms its fact, followed by a negation ("登録して" + "いない"), means the fact's negative. */
  private flipped(slot: Slot, value: string, compact: string, end: number): string | undefined {
    const polarity = this.polarityOf[slot];
    if (!polarity || polarity.affirm !== value || !this.negatedAfter(compact, end)) return value;
    return polarity.negate;
  }

  private negatedAfter(compact: string, end: number): boolean {
    return this.negationSuffixes.some((suffix) => compact.startsWith(suffix, end));
  }

  /**
   * Longest cue at each position; a one-character cue (c, 有, 無) only in an answer, where little else
   * is said; the words of 解決しましたか？ and the hand-off offer only in answers to those.
   */
  private scan(compact: string, boundary: boolean[], asked: Slot | undefined): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < compact.length; ) {
      let matched: Token | undefined;
      for (let length = Math.min(this.longestCue, compact.length - i); length >= 1; length--) {
        const form = compact.slice(i, i + length);
        const meanings = this.cues.get(form)?.filter((m) => m.kind !== 'value' || m.slot in FACT_VALUES || m.slot === asked);
        if (!meanings?.length) continue;
        if (length === 1 && asked === undefined) continue;
        if (ASCII_WORD.test(form) && !wholeWord(compact, boundary, i, i + length)) continue;
        matched = { start: i, end: i + length, meanings };
        break;
      }
      if (matched) {
        tokens.push(matched);
        i = matched.end;
      } else i++;
    }
    return tokens;
  }

  /**
   * What no cue covered: each uncovered run of characters, unless it is a particle or two (ヲ, ガ,
   * シテ), weighs its length, a kanji twice (違い says more than ノ).
   */
  private uncovered(compact: string, tokens: Token[]): number {
    let weight = 0;
    let start = 0;
    const run = (end: number) => {
      const chars = Array.from(compact.slice(start, end));
      if (chars.length <= 2 && chars.every((c) => PARTICLES.has(c))) return;
      for (const c of chars) weight += KANJI.test(c) ? 2 : 1;
    };
    for (const t of tokens) {
      run(t.start);
      start = t.end;
    }
    run(compact.length);
    return weight;
  }

  /** The synonym-folded text without spaces, and where the spaces stood (Latin words must stand whole). */
  private compact(text: string): { text: string; boundary: boolean[] } {
    const spaced = this.analyzer.canonicalize(text);
    let out = '';
    const boundary: boolean[] = [];
    let space = true;
    for (const char of spaced) {
      if (char === ' ') {
        space = true;
        continue;
      }
      // One flag per UTF-16 unit, as the text is indexed.
      for (let unit = 0; unit < char.length; unit++) boundary.push(unit === 0 && space);
      out += char;
      space = false;
    }
    return { text: out, boundary };
  }
}

function add(found: Map<FactSlot, Set<string>>, slot: FactSlot, value: string): void {
  const values = found.get(slot) ?? new Set<string>();
  values.add(value);
  found.set(slot, values);
}

function wholeWord(compact: string, boundary: boolean[], start: number, end: number): boolean {
  const before = start === 0 || boundary[start] || !ASCII_CHAR.test(compact[start - 1]!);
  const after = end === compact.length || boundary[end] || !ASCII_CHAR.test(compact[end]!);
  return before && after;
}

import { escapeRegExp, type Analyzer } from './analyzer';
import { CueScanner, KANJI, PARTICLES, type Meaning, type Polarity, type Token } from './cueScanner';
import { FACT_VALUES, type AnswerSlot, type Facts, type FactSlot, type Slot, type ValueOf } from './factTable';
import { asksIn, clausesOf, conditional, CONDITION, CONTRAST_END, EMBEDDED_QUESTION, HOW_QUESTION, HOW_REQUEST, LEADS_INTO_QUESTION, OWN_SUBJECT, POLITE_REQUEST, SAID_OF_SITUATION, WHICH_QUESTION } from './clauseGrammar';
import { MAX_QUERY_CHARS, normalizeText, unspaced } from './normalize';
import type { FactFile, Topic } from './schema';

/** What one message says. */
export interface Reading {
  /** Facts stated in the message (a polarity word is taken only next to what it is said of). */
  facts: Facts;
  /** Facts the message states both ways (あるけどない): none of them is taken. */
  contradictory: FactSlot[];
  /** Topics named, in facts.yaml's order of precedence. */
  topics: Topic[];
  /** Those of them named by a topic's own words (証明書, エラー, ID), not only by a fact's. */
  namedTopics: Topic[];
  /** Those of them named by what they are about (証明書, エラー), not only by a word said of other things too (インストール, って出). */
  subjects: Topic[];
  /** Nothing but topic words, facts and filler: "証明書を入れたい", "エラーが出て困っています". */
  vague: boolean;
  /** How much the message says beyond its topic, facts and filler (a kanji counts two, kana and Latin one). */
  residual: number;
  /** How much of it is said in the request: the last clause that asks, else the last clause (やり方を教えてください, not 業者さんに言われて). */
  requestResidual: number;
  /** It asks how to go about something (手順を教えて, 何から確認すれば, ご案内いただけますか), not whether or which. */
  asksHow: boolean;
  /** The runs of the (synonym-folded) text that no word of facts.yaml covers: what the message says beyond them. */
  rest: string[];
  /** The message asks something ("…どこにありますか？"). */
  asks: boolean;
  /** The message is about another system or document (Windowsのパスワード, 住民票の証明書) and names nothing of this one. */
  elsewhere: boolean;
  /** Facts a question supposes without telling them (発行履歴がない場合、どの証明書を？): the case it asks about. */
  supposed: Facts;
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
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}ー]/u;
/** A message that says no more than this beyond its topic is vague. */
const VAGUE_RESIDUAL = 1;
/** Typos are corrected in answers this short (compact characters), to cues this long. */
const MAX_CORRECTED_CHARS = 16;
// A thumbs-up or a circle answers yes, a cross no, as chat users reply (👍, 🙆, ⭕, 👎, 🙅, ❌).
const THUMBS_UP = /[👍👌🙆⭕🆗]/gu;
const THUMBS_DOWN = /[👎🙅❌]/gu;
/** ○ and × after a word, as notes mark it (通知書○ KJログイン×): there is, there is not. */
const MARK_YES = /[○◯]/gu;
const MARK_NO = /[×✕✖✗]/gu;
const MIN_CORRECTED_CUE = 4;
/**
 * A word no list covers, marked as the subject just before a yes or no (そのあとが|さっぱり, 先が|わかりません);
 * not one that points back (そちらは|問題なく入れる), says none (何も|出てこない, 誰も|わからない) or says when (今は|できます).
 */
const UNCOVERED_SUBJECT = /(?<!何|ナニ|誰|ダレ|ドコ|ソチラ|ソッチ|ソレ|ソコ|コチラ|コッチ|コレ|ココ|アチラ|アッチ|アレ|今|イマ|現在|今日|本日|最近|今回|今度)(?<=[\p{Script=Han}\p{Script=Katakana}])[ガハモ]$/u;
/** A kind asked about as one of two (KJ|なのか, KJ|のほうか, c|から始まるのか), or listed with the other (KJ|とか, KJ|やら). */
const WHICH_KIND = /^(?:ナノカ|ノホウカ|ノ方カ|カラ始マルノカ|デ始マルノカ|トカ|ヤラ)/u;
/** A clause that starts by saying it is about now (今は, 現在は): set against what held before. */
const NOW = /^(?:デモ|ダケド|タダ)?(?:今|イマ|現在|今日|本日)/u;
/** How a verb or adjective ends where it says something of the noun after it (違う|書類, そう|言われ). */
const ATTRIBUTIVE_END = /[ウルイタ]$/u;
/** What stands between a word and the negation that denies it as a whole (忘れた|わけではな|く, 困ってる|わけじゃな|い). */
const DENIED_AFTER = /^(?:タ|ダ|ル|イル|テイル|テル|テイタ)?ワケ(?:デハ|ジャ|デモ)/u;
/** A retraction this long may run into the word it corrects to (いやないです); あ cannot (ありました). */
const MIN_RUN_IN_RETRACTION = 2;
/** Words this long are corrected for a character left out or typed twice too. */
const MIN_LEFT_OUT_CUE = 6;
/** How far after another system's name (伝送|ソフトのときも) the words that put it in the past may stand. */
const BEFORE_WITHIN = 6;
/** So little after 次は that it asks for the next step (次は？, 次をお願いします). */
const NEXT_ALONE = 8;
const POLITE_END = /(?:マス|デス|マシタ|デシタ)$/u;

/**
 * Reads the facts of the triage from free text, in the words of facts.yaml: longest cue first over
 * the normalised, synonym-folded text, polarity words bound to the nearest thing they are said of,
 * negation suffixes turning an affirmation round (登録して|いない). Used for openings (which
 * facts, which topic, how vague), for typed answers to the bot's questions, and by the router's
 * callers to drop entries that contradict what the user said.
 */
export class FactReader {
  private readonly scanner: CueScanner;
  /** Per question, the written forms (four or more characters) of the cues that answer it and of their synonyms: what typos are corrected to. */
  private readonly spellings = new Map<Slot, string[]>();
  private readonly polaritySpellings: string[];
  private readonly negationSuffixes: string[];
  private readonly shrugs: Set<string>;
  private readonly notAtHand: string[];
  private readonly helpdeskWords: { asks: string[]; names: string[] };
  /** Facts whose values are kinds to choose between (which ID). */
  private readonly choices = new Set<FactSlot>();
  private readonly topicOrder: Topic[];
  private readonly polarityOf: { [S in Slot]?: Partial<Record<'affirm' | 'negate' | 'unknown', string>> } = {};
  private readonly topicOfSlot = new Map<FactSlot, Topic>();
  /** Per fact, words one of which must be in the message for its words to count; per value, for that value's. */
  private readonly requiredWith = new Map<FactSlot, string[]>();
  private readonly placedElsewhere = new Map<FactSlot, { at: string[]; unless: string[] }>();
  private readonly neededWith = new Map<string, string[]>();
  /** Words that take back what a message said before them (やっぱり). */
  private readonly turnarounds: string[];
  private readonly retractions: Set<string>;
  private readonly pastWords: string[];
  private readonly progressWords: { done: string[]; next: string[] };
  private readonly otherOffice: RegExp | undefined;
  private readonly ownOffice: string[];
  /** Other systems staff log in to, this system's own names, and the facts that are about logging in to this one. */
  private readonly otherSystems: string[];
  private readonly systemsBefore: string[];
  private readonly ownSystem: string[];
  private readonly aboutSystem = new Set<FactSlot>();
  /** Facts that count only in a message whose first topic is one of these. */
  private readonly within = new Map<FactSlot, Topic[]>();

  constructor(
    readonly file: FactFile,
    private readonly analyzer: Analyzer,
  ) {
    const { polarity } = file;
    this.scanner = new CueScanner(analyzer, polarity.doubleNegationSuffixes, (m) => m.kind === 'value' && this.polarityOf[m.slot]?.negate === m.value);
    const add = (word: string, meaning: Meaning) => this.scanner.add(word, meaning);
    // Words as the scan sees them (synonym-folded, without spaces), for matching against its compact text.
    const forms = (words: readonly string[]) => words.map((w) => this.scanner.compact(w).text).filter(Boolean);
    for (const p of ['affirm', 'negate', 'unknown', 'yes', 'no'] as const) for (const w of polarity[p]) add(w, { kind: 'polarity', polarity: p });
    for (const w of [...polarity.neutral, ...file.filler]) add(w, { kind: 'filler' });
    this.topicOrder = Object.keys(file.topics) as Topic[];
    for (const [topic, words] of Object.entries(file.topics) as Array<[Topic, string[]]>) for (const w of words) add(w, file.broad.includes(w) ? { kind: 'topic', topic, broad: true } : { kind: 'topic', topic });
    for (const [topic, words] of Object.entries(file.hints) as Array<[Topic, string[]]>) for (const w of words) add(w, { kind: 'topic', topic, hint: true });
    for (const [slot, fact] of Object.entries(file.facts) as Array<[FactSlot, FactFile['facts'][string]]>) {
      this.topicOfSlot.set(slot, fact.topic);
      this.polarityOf[slot] = fact.polarity;
      if (fact.choice) this.choices.add(slot);
      if (fact.within.length) this.within.set(slot, fact.within);
      if (fact.requires.length) this.requiredWith.set(slot, forms(fact.requires));
      if (fact.elsewhere) this.placedElsewhere.set(slot, { at: forms(fact.elsewhere.at), unless: forms(fact.elsewhere.unless) });
      for (const [value, words] of Object.entries(fact.needs)) this.neededWith.set(`${slot}=${value}`, forms(words));
      for (const w of fact.about) add(w, { kind: 'about', slot });
      for (const w of fact.mentions) add(w, { kind: 'about', slot, shared: true });
      for (const [value, words] of Object.entries(fact.values)) for (const w of words) add(w, { kind: 'value', slot, value });
      for (const [value, words] of Object.entries(fact.replies)) for (const w of words) add(w, { kind: 'value', slot, value, reply: true });
    }
    for (const [slot, answer] of Object.entries(file.answers) as Array<[AnswerSlot, FactFile['answers'][string]]>) {
      this.polarityOf[slot] = answer.polarity;
      for (const [value, words] of Object.entries(answer.values)) for (const w of words) add(w, { kind: 'value', slot, value });
    }
    // A fact's word that holds a word of its topic (ログインできない: ログイン) names that topic as the word
    // alone would, whether or not the fact stands (a login, of which system not said).
    for (const [topic, words] of Object.entries(file.topics) as Array<[Topic, string[]]>) {
      const topicForms = forms(words);
      for (const [form, meanings] of this.scanner.table) {
        const ownTopic = meanings.some((m) => m.kind === 'value' && m.slot in FACT_VALUES && this.topicOfSlot.get(m.slot as FactSlot) === topic);
        if (ownTopic && !meanings.some((m) => m.kind === 'topic') && topicForms.some((w) => w !== form && form.includes(w))) meanings.push({ kind: 'topic', topic });
      }
    }
    this.turnarounds = forms(file.turnarounds);
    this.retractions = new Set(forms(file.retractions));
    this.pastWords = forms(file.past);
    const alternation = (words: string[]) => forms(words).map(escapeRegExp).join('|');
    const plain = (words: string[]) => words.map((w) => w.normalize('NFKC').toLowerCase());
    this.progressWords = { done: plain(file.progress.done), next: plain(file.progress.next) };
    const { marks, places, ours } = file.otherOffices;
    this.otherOffice = marks.length > 0 && places.length > 0 ? new RegExp(`(?:${alternation(marks)}).{0,8}?(?:${alternation(places)})`, 'u') : undefined;
    this.ownOffice = forms(ours);
    this.otherSystems = forms(file.systems.others);
    this.systemsBefore = forms(file.systems.before);
    this.ownSystem = forms(file.systems.own);
    for (const slot of file.systems.facts) this.aboutSystem.add(slot as FactSlot);
    this.negationSuffixes = forms(polarity.negationSuffixes).sort((a, b) => b.length - a.length);
    this.notAtHand = forms(file.notAtHand);
    this.helpdeskWords = { asks: file.helpdesk.asks.map(normalizeText), names: file.helpdesk.names.map(normalizeText) };
    this.shrugs = new Set(polarity.shrug.map((w) => this.scanner.compact(w).text));
    const spellingsOf = (means: (m: Meaning) => boolean) => {
      const says = (form: string) => this.scanner.table.get(form)?.some(means) ?? false;
      const forms = new Set<string>();
      for (const form of this.scanner.table.keys()) if (says(form)) forms.add(form);
      for (const [variant, canonical] of analyzer.variants) if (says(this.scanner.compact(canonical).text)) forms.add(variant.replace(/ /g, ''));
      return [...forms].filter((form) => form.length >= MIN_CORRECTED_CUE);
    };
    const slots = [...Object.keys(file.facts), ...Object.keys(file.answers)] as Slot[];
    for (const slot of slots) this.spellings.set(slot, spellingsOf((m) => m.kind === 'polarity' || (m.kind === 'value' && m.slot === slot)));
    this.polaritySpellings = spellingsOf((m) => m.kind === 'polarity' && (m.polarity === 'affirm' || m.polarity === 'negate' || m.polarity === 'unknown'));
  }

  /** The facts, topics and vagueness of a message that answers no question (an opening, a question mid-dialog). */
  read(text: string): Reading {
    return this.interpret(text).reading;
  }

  /** A typed answer to the question about `slot`: its value, or the values it could mean. */
  answer<S extends Slot>(slot: S, text: string): AnswerReading<S> {
    let { reading, answers, inOwnWords } = this.interpret(text, slot);
    // One mistyped character in a short answer (なかっらです): read it as the word it nearly is.
    // Not in a question: the corrected text has lost its question mark.
    // A text every character of which reads as words (試してないのでわからない) is no typo.
    if (answers.length === 0 && !reading.asks && reading.residual > 0) {
      // A correction reads more of the text as words, not a word already read as another (今見れません, not 見れてません).
      const readings = this.corrections(text, this.spellings.get(slot) ?? []).map((corrected) => this.interpret(corrected, slot)).filter((r) => r.answers.length > 0 && r.reading.residual < reading.residual);
      const meant = new Set(readings.map((r) => r.answers.join(' ')));
      if (meant.size === 1 && readings[0]!.answers.length === 1) ({ reading, answers, inOwnWords } = readings[0]!);
    }
    // さあ… as the whole answer: a shrug.
    if (answers.length === 0 && this.shrugs.has(this.scanner.compact(text).text)) {
      const unknown = this.polarityOf[slot]?.unknown;
      if (unknown) answers = [unknown];
    }
    // No word for the answer, but what the answer says, with what the question takes as given, implies
    // one: 「IDがそもそもわからへん」 asked whether the KJ login works. So too against a bare yes or no said
    // of something else (KJのIDならわかりますが、パスワードは前任者しか: the ID known, the login not possible).
    if ((answers.length === 0 || (answers.length === 1 && !inOwnWords)) && !reading.asks && slot in FACT_VALUES) {
      const { [slot as FactSlot]: _answered, ...told } = reading.facts;
      const implied = this.implied({ ...(this.file.facts[slot]!.presumes as Facts), ...told })[slot as FactSlot];
      if (implied) (answers = [implied], ((reading.facts as Record<string, string>)[slot] = implied));
    }
    const candidates = answers as Array<ValueOf<S>>;
    return { value: candidates.length === 1 ? candidates[0] : undefined, candidates: candidates.length > 1 ? candidates : [], reading };
  }

  /** Text in the synonym table's words (しょうめいしょ → 証明書), as the reader and the router see it. */
  canonical(text: string): string {
    return this.analyzer.canonicalize(text);
  }

  /**
   * A short first message with one mistyped character in a yes, no or don't-know (ログインできまぜん),
   * spelt as the word it nearly is; the message as it is when no such word, or more than one, fits.
   */
  spelt(text: string): string {
    const { reading } = this.interpret(text);
    // Only where the message is not understood as it is, and the fix is: 入れたい is no typo of 入れない.
    if (reading.asks || reading.vague) return text;
    const fixes = this.corrections(text, this.polaritySpellings);
    if (fixes.length !== 1) return text;
    const fixed = this.interpret(fixes[0]!).reading;
    return fixed.residual < reading.residual ? fixes[0]! : text;
  }

  /**
   * The text with one character replaced so that it spells one of `spellings` (four or more characters:
   * cues and their synonyms); short texts only, where one word carries the meaning. The caller takes
   * them when they all mean the same.
   */
  private corrections(text: string, spellings: readonly string[]): string[] {
    // Before synonyms are folded: できまぜん is one letter from できません, not from its canonical できない.
    const written = normalizeText(text).replace(/ /g, '');
    if (written.length > MAX_CORRECTED_CHARS) return [];
    const fits = new Set<string>();
    for (const form of spellings) {
      // One character wrong, or in a long word one left out or typed twice (a short one is another
      // form of the verb: します for してます): a part of the text as long as the word, or one shorter or longer.
      const lengths = form.length >= MIN_LEFT_OUT_CUE ? [form.length - 1, form.length, form.length + 1] : [form.length];
      for (const length of lengths) {
        for (let i = 0; i + length <= written.length; i++) {
          const part = written.slice(i, i + length);
          // The first and last characters stand: オキマス is no typo of デキマス, nor デキネ of デキタ
          // (an ending carries the polarity); a small kana for its big one does not change it (ワカンナィ).
          if (part !== form && part[0] === form[0] && fullSize(part.at(-1)!) === form.at(-1) && oneEditApart(part, form)) fits.add(written.slice(0, i) + form + written.slice(i + length));
        }
      }
    }
    return [...fits];
  }

  /**
   * Whether what a message says beyond its topic and facts (its `rest`, quotes included) shares a two-character piece
   * of content (not two particles) with `text`: 和暦 with 「カレンダー表示が和暦になっている」, where
   * 途中で止まって shares nothing with 「証明書のインポート中に警告が表示される」.
   */
  sharesContent(reading: Reading, text: string): boolean {
    const other = this.scanner.compact(text).text;
    return reading.rest.some((run) => {
      const chars = Array.from(run);
      return chars.slice(1).some((c, i) => !(PARTICLES.has(c) && PARTICLES.has(chars[i]!)) && other.includes(chars[i]! + c));
    });
  }

  /** The message says the user does not know or remember (わからない, 覚えてない), and asks nothing. */
  admitsNotKnowing(text: string): boolean {
    const { text: compact, boundary, commas } = this.scanner.compact(text);
    return !this.interpret(text).reading.asks && this.scanner.scan(compact, boundary, commas, undefined).some((t) => t.meanings.some((m) => m.kind === 'polarity' && m.polarity === 'unknown'));
  }

  /** Whether the message asks for the helpdesk itself (ヘルプデスクの電話番号は？), only names it (ヘルプデスクに聞いてと言われて), or neither. */
  helpdeskIn(text: string): 'asked' | 'named' | undefined {
    // Not in the synonym table's words, where 電話 alone is 電話番号.
    const plain = normalizeText(text);
    const has = (words: string[]) => words.some((w) => plain.includes(w));
    return has(this.helpdeskWords.asks) ? 'asked' : has(this.helpdeskWords.names) ? 'named' : undefined;
  }

  /** The message says what was asked for is not at hand (スクショしかない, 消えちゃった, 控えておりません). */
  saysNotAtHand(text: string): boolean {
    const { text: compact } = this.scanner.compact(text);
    return this.notAtHand.some((w) => compact.includes(w));
  }

  /** The facts that `facts` imply and do not state (facts.yaml's `implies`): 期限切れ → the KJ login fails. */
  implied(facts: Facts): Facts {
    const implied: Facts = {};
    for (const rule of this.file.implies) {
      const holds = Object.entries(rule.if).every(([slot, value]) => facts[slot as FactSlot] === value);
      if (!holds) continue;
      for (const [slot, value] of Object.entries(rule.then)) if (facts[slot as FactSlot] === undefined) (implied as Record<string, string>)[slot] = value;
    }
    return implied;
  }

  /** Whether a fact's values are kinds to choose between (which ID). */
  isChoice(slot: FactSlot): boolean {
    return this.choices.has(slot);
  }

  /** The topic a fact belongs to. */
  topicOf(slot: FactSlot): Topic {
    return this.topicOfSlot.get(slot)!;
  }

  /** Whether a topic's triage asks about this fact: its own topic's, or another's that needs it (the certificate's asks the KJ login). */
  askedBy(topic: Topic, slot: FactSlot): boolean {
    return this.topicOf(slot) === topic || (this.file.facts[slot]?.askedBy.includes(topic) ?? false);
  }

  /** `inOwnWords`: the answer is in words of the question's own values (登録してます), not a bare yes or no. */
  private interpret(text: string, asked?: Slot): { reading: Reading; answers: string[]; inOwnWords: boolean } {
    const found = new Map<FactSlot, Set<string>>();
    const supposed = new Map<FactSlot, Set<string>>();
    const topics = new Set<Topic>();
    const topicWords = new Set<Topic>();
    const subjects = new Set<Topic>();
    // The answer to the question asked, from the last clause that gives one: people correct themselves
    // forward (ないです…あ、ありました), and after けど comes the point (紙はあるけど字が読めません).
    let answerLevels: Array<Set<string>> = [];
    let residual = 0;
    let requestResidual = 0;
    let asksHow = false;
    const rest: string[] = [];
    let asks = false;
    // Width folded first, so that half-width kana end their sentences too (ﾅｼ ﾃﾞｼﾀ ﾂｷﾞﾊ?).
    const limited = unspaced(text.slice(0, MAX_QUERY_CHARS * 2).normalize('NFKC')).replace(THUMBS_UP, ' はい ').replace(THUMBS_DOWN, ' いいえ ').replace(MARK_YES, ' あり ').replace(MARK_NO, ' なし ');
    const { clauses: kept, quotes: quoted } = clausesOf(limited, asked !== undefined);
    const quotes = quoted.map((quote) => ({ ...this.scanner.compact(quote), host: new Set<FactSlot>() }));
    // A text cut at the limit ends in half a clause (…うまくいかない|のはなぜですか): it says nothing.
    if (text.length > MAX_QUERY_CHARS * 2 && kept.length > 1) kept.pop();
    const clauses = kept
      .map((clause) => ({ clause: clause.trim(), ...this.scanner.compact(clause) }))
      .filter((c) => c.text)
      .map((c) => ({ ...c, tokens: this.scanner.scan(c.text, c.boundary, c.commas, asked) }));
    // The topics the message names first: a shared word (書類) is said of a fact only in its own topic.
    const hinted = new Set<Topic>();
    for (const { tokens } of clauses) for (const token of tokens) for (const m of token.meanings) {
      if (m.kind === 'topic') (m.hint ? hinted : topics).add(m.topic);
      if (m.kind === 'topic' && !m.hint) topicWords.add(m.topic);
      if (m.kind === 'topic' && !m.hint && !m.broad) subjects.add(m.topic);
      if (m.kind === 'about' && !m.shared) topics.add(this.topicOf(m.slot));
    }
    // ログインできなくて…新しいパソコンを買ったところです: the login is the topic, the new PC its background.
    if (topicWords.size === 0) for (const topic of hinted) (topics.add(topic), topicWords.add(topic));
    // Quoted screen text names the system too (「パスワードの有効期限が切れています」).
    const whole = [...clauses, ...quotes].map((c) => c.text).join('');
    const names = (words: string[]) => words.some((w) => whole.includes(w));
    // A message about another system (Windowsのパスワード) that names nothing of this one.
    // (Not another system named as what went before: 前の伝送ソフトのときも同じようなことがあって; nor one named
    // with its version, the PC's environment the guide checks: NECのデスクトップでWindows11です.)
    const namedNow = (system: string) =>
      [...whole.matchAll(new RegExp(escapeRegExp(system), 'gu'))].some((m) => {
        const after = whole.slice(m.index + system.length);
        return !/^\d{1,2}(?!\d)/u.test(after) && !this.systemsBefore.some((w) => after.slice(0, BEFORE_WITHIN + w.length).includes(w));
      });
    const elsewhere = this.otherSystems.some(namedNow) && !names(this.ownSystem);
    // A fact counts when its question is asked, or when the message names one of its `requires` and is
    // not about another system's logins.
    const stands = (slot: FactSlot) => {
      const place = this.placedElsewhere.get(slot);
      const placedElsewhere = place !== undefined && names(place.at) && !names(place.unless);
      // Microsoft 365にはログインできてます, asked about this system's login, answers nothing.
      if (slot === asked) return !placedElsewhere;
      // A question of the same topic is context enough too (期限切れって出る, asked about the security mail).
      const required = this.requiredWith.get(slot);
      const inContext = asked !== undefined && asked in FACT_VALUES && this.topicOf(asked as FactSlot) === this.topicOf(slot);
      return (!required || names(required) || inContext) && !(elsewhere && this.aboutSystem.has(slot)) && !placedElsewhere;
    };
    // A word that names a fact of one topic and is shared by another's (パスワード: the ID's, and the
    // certificate's in a certificate message) is the other's only when said before its own topic's facts
    // (PWあり、ただKJでログインできない), not after them (KJでログインできない。パスワード忘れた: the KJ password).
    const ownTopicsOf = (t: Token) => t.meanings.flatMap((m) => (m.kind === 'about' && !m.shared ? [this.topicOf(m.slot)] : []));
    // Where each topic's facts are first told: [clause, offset in it].
    const firstTold = new Map<Topic, [number, number]>();
    clauses.forEach(({ tokens }, at) => {
      for (const t of tokens) {
        if (t.meanings.some((m) => m.kind === 'about' && m.shared)) continue;
        for (const m of t.meanings) if ((m.kind === 'about' && !m.shared) || (m.kind === 'value' && m.slot in FACT_VALUES)) {
          const topic = this.topicOf(m.slot as FactSlot);
          if (!firstTold.has(topic)) firstTold.set(topic, [at, t.start]);
        }
      }
    });
    const toldBefore = (topic: Topic, at: number, t: Token) => {
      const [clause, start] = firstTold.get(topic) ?? [Infinity, 0];
      return clause < at || (clause === at && start < t.start);
    };
    const heardIn = (t: Token, at: number) => (m: Meaning) =>
      m.kind !== 'about' || !m.shared || m.slot === asked ||
      (topics.has(this.topicOf(m.slot)) && !ownTopicsOf(t).some((own) => own !== this.topicOf(m.slot) && toldBefore(own, at, t)));
    // A topic stated in a clause of its own (証明書の発行履歴、見たけど|何もなかったです): its polarity
    // comes in the next clause.
    let lastSubject: FactSlot[] = [];
    let quoteIndex = 0;
    // What was said before a retraction, replaced by what is said of the same facts after it.
    let retraction: Map<FactSlot, Set<string>> | undefined;
    // The facts the last clause that told any told (ない…|あ、ありました: what the retraction takes back).
    let lastSaid: FactSlot[] = [];
    const ownNamed = clauses.some(({ text: compact }) => this.ownOffice.some((w) => compact.includes(w)));
    for (const [at, { clause: trimmed, text: compact, boundary, pauses, tokens: scanned }] of clauses.entries()) {
      // 「なかったです…あ、やっぱりありました」: what came before a correction no longer stands.
      // In the clause itself too (なし、あ、やっぱあった).
      const turnedAt = Math.max(...this.turnarounds.map((w) => { const at = compact.lastIndexOf(w); return at < 0 ? -1 : at + w.length; }));
      if (turnedAt >= 0) found.clear();
      // After けど comes the point (cのIDはわかるんですけど、KJのがわかりません): what this clause says
      // of a fact replaces what the clause before said of it. So does what follows a retraction
      // (ないと思います、|いえ、ありました), of the facts it tells again only (紙はある。あ、でも…入れへん).
      let before = at > 0 && CONTRAST_END.test(clauses[at - 1]!.clause) ? copyOf(found) : undefined;
      let crossed = false;
      const retracted = this.retractedAt(compact, pauses, scanned, found.size > 0 || answerLevels.some((level) => level.size > 0));
      // Words of the question's own values first, then polarity, then a bare はい／いいえ, then not knowing
      // how (見方がわからない): asked about the history, that is not knowing it; after an answer
      // (ログインはできますが、どこを押せばよいのか分かりません) it is a question of its own.
      const fresh = (): Array<Set<string>> => [new Set(), new Set(), new Set(), new Set()];
      let levels = fresh();
      // A situation named in its own words stands against a later bare polarity (代理でやってるので、
      // そっちはわからない is 代理請求); a yes or no does not (登録してます…いや、してないです).
      const settle = () => {
        for (const level of levels) level.delete('');
        const named = asked !== undefined && [...(answerLevels[0] ?? [])].some((value) => !this.isYesOrNo(asked, value));
        const answered = answerLevels.some((level) => level.size > 0);
        if (levels.some((level, rank) => level.size > 0 && (rank < 3 || !answered)) && !(named && levels[0]!.size === 0)) answerLevels = levels;
        if (before) replaceSaid(found, before);
      };
      // From a retraction on, a bare yes or no is said of what it takes back (履歴はないと思います、いえ、ありました).
      const retract = () => {
        crossed = true;
        settle();
        before = undefined;
        levels = fresh();
        retraction = copyOf(found);
        lastSubject = [...(saidHere.length > 0 ? saidHere : lastSaid)].reverse();
        bound = false;
      };
      const saidHere: FactSlot[] = [];
      const asking = asksIn(trimmed);
      asks ||= asking;
      // The question is the clause's last phrase (発行履歴なかったっぽい、どうすればいい？ tells the history),
      // with the condition or topic before it (履歴がない場合、どうすれば？ / 仮パスワードというのは、… tell nothing).
      const phraseStarts = [0, ...pauses.filter((p) => p < compact.length)];
      let last = phraseStarts.length - 1;
      while (last > 0 && LEADS_INTO_QUESTION.test(compact.slice(0, phraseStarts[last]))) last--;
      const questionFrom = phraseStarts[last]!;
      const asksAt = (t: Token) => asking && t.end > questionFrom;
      // The condition a question is asked under (履歴がない場合は、どの証明書を？) supposes its facts.
      const supposedUntil = asking ? this.conditionEnd(compact, pauses) : -1;
      const uncovered = this.scanner.uncovered(compact, scanned, rest);
      residual += uncovered;
      if (asking || !asks) requestResidual = uncovered;
      asksHow ||= asking && HOW_REQUEST.test(trimmed);
      // What was said before the correction is dropped, not what it was said of (通知書|やっぱり見当たりません).
      const since = scanned.filter((t) => t.start >= turnedAt || !t.meanings.some((m) => m.kind === 'polarity' || m.kind === 'value'));
      const tokens = this.present(compact, pauses, this.ofOwnOffice(compact, since, ownNamed || CONTRAST_END.test(trimmed)).map((t) => ({ ...t, meanings: t.meanings.filter(heardIn(t, at)) })));
      // What a polarity word may be said of: a fact's "about" words, and its value words, which name it
      // too (一度も発行|したことがありません is the history's, not the 紙 before it).
      const abouts = tokens.filter((t) => t.meanings.some((m) => this.namesFact(m) !== undefined));
      // Where the user saw the screen's words (発行履歴のとこは「…ありません。」って出てた): they answer that fact.
      for (let at = trimmed.indexOf('「」'); at >= 0; at = trimmed.indexOf('「」', at + 1)) {
        const host = quotes[quoteIndex++]?.host;
        for (const t of tokens) for (const m of t.meanings) if (m.kind === 'about') host?.add(m.slot);
      }
      let bound = false;
      // A kind asked about as one of two in this clause (KJなのかcなのか): its わからない is not knowing which.
      let kindAsked = false;
      const saidOfHow = (token: Token) => HOW_QUESTION.test(compact.slice(Math.max(0, token.start - 20), token.start));
      // The end of a situation just named (代理請求は|してなくて): a polarity word there is said of it.
      let situationEnd = -1;
      for (const token of tokens) {
        if (retracted >= 0 && token.start >= retracted && !crossed) retract();
        const saysOfSituation = situationEnd >= 0 && SAID_OF_SITUATION.test(compact.slice(situationEnd, token.start));
        const into = token.end <= supposedUntil ? supposed : found;
        for (const meaning of token.meanings) {
          if (meaning.kind === 'value' && !this.isYesOrNo(meaning.slot, meaning.value)) situationEnd = token.end;
          if (conditional(compact, token.end) && into === found) continue;
          if (meaning.kind === 'value') {
            // 「登録したかどうか(わからない)」 asks whether, it does not say so. Which kind, asked so and not
            // known (KJなのかcなのかわからない), is not knowing which.
            if (EMBEDDED_QUESTION.test(compact.slice(token.end, token.end + 8)) || (this.choices.has(meaning.slot as FactSlot) && meaning.value !== 'unknown' && WHICH_KIND.test(compact.slice(token.end)))) {
              const notKnown = tokens.some((t) => t.start >= token.end && t.meanings.some((m) => m.kind === 'polarity' && m.polarity === 'unknown'));
              if (notKnown && this.choices.has(meaning.slot as FactSlot) && stands(meaning.slot as FactSlot)) (add(into, meaning.slot as FactSlot, 'unknown'), (kindAsked = true));
              continue;
            }
            // A negation is said of the yes or no the word holds (KJのIDで入れ|ない), not of the ID it names.
            const negationElsewhere = !this.isYesOrNo(meaning.slot, meaning.value) && token.meanings.some((m) => m.kind === 'value' && this.isYesOrNo(m.slot, m.value));
            const value = negationElsewhere ? meaning.value : this.flipped(meaning.slot, meaning.value, compact, token);
            if (meaning.slot in FACT_VALUES) {
              const slot = meaning.slot as FactSlot;
              // The question asked is context enough: 「期限切れって出ました」 answers "どのような状況ですか？".
              if (!stands(slot) || !(slot === asked || (this.neededWith.get(`${slot}=${meaning.value}`) ?? ['']).some((w) => whole.includes(w)))) continue;
              topics.add(this.topicOf(slot));
              // A question names a situation ("代理請求の場合は？" still says 代理請求), but asks a yes or no
              // ("登録してありますか？").
              if (value && (into === supposed || !(asksAt(token) && this.isYesOrNo(slot, value)))) (add(into, slot, value), into === found && saidHere.push(slot));
            }
            // 「担当の方にお願いできますでしょうか」 asks, and so answers the hand-off offer.
            // A reply word said of how (使い方がわからない) answers only as not knowing how does, below.
            if (meaning.slot === asked && value && (!asksAt(token) || (!(asked in FACT_VALUES) && POLITE_REQUEST.test(trimmed)))) levels[meaning.reply && saidOfHow(token) ? 3 : 0]!.add(value);
          }
          // "どこにあるか(わからない)", "あるのか" ask, they do not say there is one; "あるかも" does.
          if (meaning.kind === 'polarity' && EMBEDDED_QUESTION.test(compact.slice(token.end, token.end + 8))) continue;
          if (meaning.kind === 'polarity' && saysOfSituation && (meaning.polarity === 'affirm' || meaning.polarity === 'negate')) continue;
          if (meaning.kind === 'polarity') {
            const polarity = this.turned(meaning.polarity, compact, token);
            if (polarity === 'yes' || polarity === 'no') {
              // はい, そう, いいえ answer only where a phrase starts: …分からないそうです is hearsay, not そう.
              // Nor inside a word (1時間くら|いや|って is no いや).
              const inWord = token.start > 0 && !boundary[token.start] && !pauses.includes(token.start) && KANA.test(compact[token.start - 1]!) && KANA.test(compact[token.end] ?? '');
              // Nor a word said of the noun after it (違う書類でした: another document, not "no").
              const attributive = ATTRIBUTIVE_END.test(compact.slice(token.start, token.end)) && KANJI.test(compact[token.end] ?? '') && !pauses.includes(token.end);
              const startsPhrase = !tokens.some((t) => t.end === token.start) && !inWord && !attributive;
              if (!asksAt(token) && asked && startsPhrase) levels[2]!.add(this.polarityOf[asked]?.[polarity === 'yes' ? 'affirm' : 'negate'] ?? '');
              continue;
            }
            // "…はありますか？" asks whether, it does not say so.
            if (asksAt(token) && into === found) continue;
            // The act just before the word is what it is said of (ログインできるのに、証明書が|インストール|
            // できない): not a fact named earlier, nor the question's answer.
            if (tokens.some((t) => t.end === token.start && t.meanings.some((m) => m.kind === 'topic') && !t.meanings.some((m) => this.namesFact(m) !== undefined))) {
              bound = true;
              continue;
            }
            // 何のパスワードかわからない, どっちのことかわからん: not knowing which one, said of a choice alone.
            const ofWhich = polarity === 'unknown' && (kindAsked || WHICH_QUESTION.test(compact.slice(Math.max(0, token.start - 16), token.start)));
            const ofHow = polarity === 'unknown' && !ofWhich && saidOfHow(token);
            const heard = ofHow ? [] : ofWhich ? abouts.filter((t) => t.meanings.some((m) => { const slot = this.namesFact(m); return slot !== undefined && this.choices.has(slot); })) : abouts;
            // The last clause's subject carries on only into a clause that names none of its own before the
            // word (ログインできます。|パスワードの紙が|ありません, ログインしてますけど、|証明書のことは|わかりません,
            // …|そのあとが|さっぱりです are not the login).
            const lastTopics = lastSubject.map((slot) => this.topicOf(slot));
            const coveredUntil = Math.max(0, ...tokens.filter((t) => t.end <= token.start).map((t) => t.end));
            const ownSubject =
              UNCOVERED_SUBJECT.test(compact.slice(coveredUntil, token.start)) ||
              tokens.some((t) => t.end <= token.start && t.meanings.some((m) => (m.kind === 'about' && !lastSubject.includes(m.slot)) || (m.kind === 'topic' && !m.hint && !lastTopics.includes(m.topic))));
            // After けど, a bare yes or no said of now is said of what the clause before told (ログインできなかった
            // けど、|今はできる).
            const carried = before !== undefined && NOW.test(compact) ? [...lastSubject, ...lastSaid] : lastSubject;
            const said: FactSlot | undefined = this.subjectOf(token, heard, polarity, compact, pauses, tokens) ?? (bound || ofWhich || ofHow || ownSubject ? undefined : carried.find((slot) => this.polarityOf[slot]?.[polarity]));
            // Said of something that is not this system's (ログインしてなくて, with nothing of the KJ
            // login around it): it answers nothing, the question asked included.
            if (said && !stands(said)) continue;
            bound ||= said !== undefined;
            if (said) add(into, said, this.polarityOf[said]![polarity]!);
            if (said && into === found) saidHere.push(said);
            if (into === found && (!said || said === asked)) levels[ofHow || ofWhich ? 3 : 1]!.add(asked ? (this.polarityOf[asked]?.[polarity] ?? '') : '');
          }
        }
      }
      if (retracted >= 0 && !crossed) retract();
      settle();
      // After a question (発行履歴ってどこで見るんですか？), わからなくて is said of what was asked.
      if (saidHere.length > 0) lastSaid = saidHere;
      lastSubject = bound || asking ? [] : abouts.flatMap((t) => t.meanings.flatMap((m) => (m.kind === 'about' ? [m.slot] : []))).reverse();
    }
    if (retraction) replaceSaid(found, retraction);
    for (const { text: compact, boundary, pauses, commas, host } of quotes) {
      const tokens = this.scanner.scan(compact, boundary, commas, asked);
      // The screen's words are content the message shares with an error entry, all of them (「…発行済み」って出て:
      // a fact's word too), though they make it no less vague.
      rest.push(compact);
      const abouts = tokens.filter((t) => t.meanings.some((m) => this.namesFact(m) !== undefined));
      for (const token of tokens) {
        for (const m of token.meanings) {
          if (m.kind === 'topic') topics.add(m.topic);
          if (m.kind === 'polarity' && m.polarity !== 'yes' && m.polarity !== 'no') {
            const polarity = this.turned(m.polarity, compact, token);
            const said = this.subjectOf(token, abouts, polarity, compact, pauses, tokens);
            if (said && host.has(said) && stands(said)) add(found, said, this.polarityOf[said]![polarity]!);
          }
          if (m.kind !== 'value' || !(m.slot in FACT_VALUES) || (this.isYesOrNo(m.slot, m.value) && !host.has(m.slot as FactSlot)) || !stands(m.slot as FactSlot)) continue;
          // The screen says what it is about (「パスワードの有効期限が切れています」); 「有効期限切れ」 alone
          // may be the certificate's, whatever the user typed around it.
          const required = this.requiredWith.get(m.slot as FactSlot);
          if (required && !required.some((w) => compact.includes(w))) continue;
          add(found, m.slot as FactSlot, m.value);
          topics.add(this.topicOf(m.slot as FactSlot));
        }
      }
    }
    const facts: Facts = {};
    const contradictory: FactSlot[] = [];
    for (const [slot, values] of found) {
      if (values.size === 1) (facts as Record<string, string>)[slot] = [...values][0]!;
      else contradictory.push(slot);
    }
    const supposedFacts: Facts = {};
    for (const [slot, values] of supposed) if (values.size === 1) (supposedFacts as Record<string, string>)[slot] = [...values][0]!;
    const answers = [...(answerLevels.find((level) => level.size > 0) ?? [])];
    const inOwnWords = (answerLevels[0]?.size ?? 0) > 0;
    if (asked && asked in FACT_VALUES && answers.length === 1) (facts as Record<string, string>)[asked] = answers[0]!;
    const named = this.topicOrder.filter((t) => topics.has(t));
    // KJのIDでログインできる in a certificate question tells the login, not which ID the question is about.
    for (const [slot, within] of this.within) if (slot !== asked && named[0] && !within.includes(named[0])) (delete facts[slot], delete supposedFacts[slot]);
    return { reading: { facts, contradictory, topics: named, namedTopics: named.filter((t) => topicWords.has(t)), subjects: named.filter((t) => subjects.has(t)), vague: named.length > 0 && residual <= VAGUE_RESIDUAL, residual, requestResidual, rest, asks, asksHow, elsewhere, supposed: supposedFacts }, answers, inOwnWords };
  }

  /**
   * Where a retraction said alone between commas (…と思います、|いえ、ありました), or run into the word it
   * corrects to (ある、|いやないです), starts, when something was said before it; -1 when none. The
   * retraction itself stays: it may be the answer (いいえ、…).
   */
  private retractedAt(compact: string, pauses: number[], tokens: Token[], saidBefore: boolean): number {
    const says = (t: Token) => t.meanings.some((m) => m.kind === 'polarity' || m.kind === 'value');
    const starts = [0, ...pauses.filter((p) => p < compact.length), compact.length];
    const runInto = (from: number, to: number) =>
      [...this.retractions].some((r) => r.length >= MIN_RUN_IN_RETRACTION && compact.startsWith(r, from) && from + r.length < to && tokens.some((t) => t.start === from + r.length && says(t)));
    for (let i = starts.length - 2; i >= 0; i--) {
      const [from, to] = [starts[i]!, starts[i + 1]!];
      if ((this.retractions.has(compact.slice(from, to)) || runInto(from, to)) && (saidBefore || tokens.some((t) => t.end <= from && says(t)))) return from;
    }
    return -1;
  }

  /** What a message says is done, and what it asks next (…は済みました。次は利用申請ですか？), when it says both. */
  progress(text: string): { done: string; next: string } | undefined {
    const plain = text.normalize('NFKC').toLowerCase();
    const found = this.progressWords.next.map((word) => ({ word, at: plain.indexOf(word) })).filter(({ at }) => at >= 0);
    const first = found.sort((a, b) => a.at - b.at || b.word.length - a.word.length)[0];
    if (!first) return undefined;
    const done = plain.slice(0, first.at);
    const next = plain.slice(first.at + first.word.length);
    // 次は？, 次の手順を教えて: asked for. Not 次に受付システムにログインしたら…と出ました, a story told in order.
    const asked = next.trim().length <= NEXT_ALONE || this.read(next).asks;
    return asked && this.progressWords.done.some((word) => done.includes(word)) ? { done, next } : undefined;
  }

  /** Where the condition a question is asked under ends (…がない場合|は、どうすれば？), or -1. */
  private conditionEnd(compact: string, pauses: number[]): number {
    const atPause = pauses.filter((p) => p < compact.length && CONDITION.test(compact.slice(0, p)));
    const inline = Math.max(compact.lastIndexOf('場合'), compact.lastIndexOf('バアイ'));
    return Math.max(-1, inline, ...atPause);
  }

  /** The fact a word names: one of its "about" words, or a word stating its yes or no (一度も発行). */
  private namesFact(m: Meaning): FactSlot | undefined {
    if (m.kind === 'about') return m.slot;
    return m.kind === 'value' && m.slot in FACT_VALUES && this.isYesOrNo(m.slot, m.value) ? (m.slot as FactSlot) : undefined;
  }

  /** A value that affirms or denies its fact (登録している), as against one that names a situation (代理請求). */
  private isYesOrNo(slot: Slot, value: string): boolean {
    return value === this.polarityOf[slot]?.affirm || value === this.polarityOf[slot]?.negate;
  }

  /** The nearest thing (a fact's "about" word) the polarity word is said of, before it or just after it. */
  private subjectOf(token: Token, abouts: Token[], polarity: 'affirm' | 'negate' | 'unknown', compact: string, pauses: number[], tokens: Token[]): FactSlot | undefined {
    let best: { slot: FactSlot; distance: number } | undefined;
    const polar = (t: Token) => t.meanings.some((m) => m.kind === 'polarity');
    // A noun of its own marked as the subject just before the word (…システム 証明書画面】現在、手数料の
    // 残高が|ある) is what it is said of, not a fact named before a comma (通知書の番号は|ある is the letter's).
    const coveredUntil = Math.max(0, ...tokens.filter((t) => t.end <= token.start).map((t) => t.end));
    const ownSubjectAt = OWN_SUBJECT.test(compact.slice(coveredUntil, token.start)) ? coveredUntil : -1;
    for (const about of abouts) {
      // A subject after the word must stand before the next comma: ログインもできて、|履歴は….
      if (about.start >= token.end && pauses.some((p) => p >= token.end && p <= about.start)) continue;
      // A subject before a comma that got its own word there is done: 通知書あり、…|空っぽでした;
      // so is one that says its own yes or no (受付システムには入れる、ばってん…わからん).
      const saysOwn = about.meanings.some((m) => m.kind === 'value' && m.slot in FACT_VALUES && this.isYesOrNo(m.slot, m.value));
      if (about.end <= token.start && pauses.some((p) => p >= about.end && p <= token.start) && (saysOwn || tokens.some((t) => t.start >= about.end && t.end <= token.start && t !== token && polar(t) && !pauses.some((p) => p > about.end && p <= t.start)))) continue;
      if (about.end <= ownSubjectAt && pauses.some((p) => p >= about.end && p <= ownSubjectAt)) continue;
      const distance = about.end <= token.start ? token.start - about.end : about.start >= token.end ? about.start - token.end : -1;
      const limit = about.end <= token.start ? SUBJECT_BEFORE : SUBJECT_AFTER;
      if (distance < 0 || distance > limit) continue;
      // Words before count a little closer: Japanese states the subject first (履歴は、ありません).
      const weighted = about.end <= token.start ? distance : (distance + 1) * 3;
      for (const m of about.meanings) {
        const slot = this.namesFact(m);
        if (!slot || !this.polarityOf[slot]?.[polarity]) continue;
        if (!best || weighted < best.distance) best = { slot, distance: weighted };
      }
    }
    return best?.slot;
  }

  /**
   * 先月まではできてた、今日はNG: a phrase put in the past says what no longer holds, when another
   * phrase of the clause says how things are; its yes or no is dropped.
   */
  private present(compact: string, pauses: number[], tokens: Token[]): Token[] {
    const says = (t: Token) => t.meanings.some((m) => m.kind === 'polarity' || (m.kind === 'value' && m.slot in FACT_VALUES && this.isYesOrNo(m.slot, m.value)));
    const bounds = [0, ...pauses, compact.length];
    const phraseOf = (t: Token) => bounds.findIndex((b, i) => i > 0 && t.start < b) - 1;
    const past = new Set(bounds.slice(1).flatMap((end, i) => (this.pastWords.some((w) => compact.slice(bounds[i], end).includes(w)) ? [i] : [])));
    if (past.size === 0 || !tokens.some((t) => says(t) && !past.has(phraseOf(t)))) return tokens;
    return tokens.filter((t) => !(says(t) && past.has(phraseOf(t))));
  }

  /**
   * The tokens not said of another office (隣の小多機は|代理請求らしい): up to the user's own (うちは), they say
   * nothing. Only where the other office is set against the user's own (the message names its own, or the
   * clause goes on with けど): a message about that office alone (系列のグループホームにて、通知書が見当たらない
   * との報告を受けました), sent for it, tells its facts.
   */
  private ofOwnOffice(compact: string, tokens: Token[], setAgainstOwn: boolean): Token[] {
    const other = this.otherOffice?.exec(compact);
    if (!other || !setAgainstOwn) return tokens;
    const ownAt = Math.min(...this.ownOffice.map((w) => compact.indexOf(w, other.index)).filter((at) => at >= 0));
    return tokens.map((t) => (t.start >= other.index && t.start < ownAt ? { ...t, meanings: t.meanings.filter((m) => m.kind === 'topic') } : t));
  }

  /** An affirmation negated after it (登録して|いない) negates; a negation denied (ない|ことはない) affirms. */
  private turned<P extends Polarity>(polarity: P, compact: string, token: Token): P | 'affirm' | 'negate' {
    if (polarity === 'negate' && token.denied) return 'affirm';
    return polarity === 'affirm' && this.negatedAfter(compact, token.end) ? 'negate' : polarity;
  }

  /** A value that affirms its fact, followed by a negation ("登録して" + "いない"), means the fact's negative; a negative denied, its affirmative. */
  private flipped(slot: Slot, value: string, compact: string, { end, denied }: Token): string | undefined {
    const polarity = this.polarityOf[slot];
    if (denied && polarity?.negate === value) return polarity.affirm;
    if (!this.negatedAfter(compact, end)) return value;
    if (polarity?.affirm === value) return polarity.negate;
    // A situation denied (代理請求は|してなくて) names no value; a negative stays one.
    return polarity && this.isYesOrNo(slot, value) ? value : undefined;
  }

  /** A negation right after, or after one or two particles (登録|も|していない, 手元|には|ない). */
  private negatedAfter(compact: string, end: number): boolean {
    // A polite end is not negated: ありますねぇ is "there is, you know" where してねぇ is "have not".
    if (POLITE_END.test(compact.slice(0, end))) return false;
    const at = (from: number) => this.negationSuffixes.some((suffix) => compact.startsWith(suffix, from));
    // Not a one-character suffix after a particle: ある|は|ず is あるはず. Up to two particles: 手元|には|ない.
    const atAfter = (particles: number) => this.negationSuffixes.some((suffix) => suffix.length > 1 && compact.startsWith(suffix, end + particles));
    const particle = (at: number) => 'ハモガワニ'.includes(compact[at] ?? '-');
    // 忘れた|わけではなく: what it says is denied as a whole.
    const denial = DENIED_AFTER.exec(compact.slice(end));
    return at(end) || (particle(end) && (atAfter(1) || (particle(end + 1) && atAfter(2)))) || (denial !== null && at(end + denial[0].length));
  }

}

/** The differing characters are both kanji or both not: a slip of the keyboard, not 見 for キ. */
function sameScript(a: string, b: string): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return KANJI.test(a[i]!) === KANJI.test(b[i]!);
  return true;
}

/**
 * `typed` is `word` with one character wrong (of the same script: a slip of the keyboard, not 見 for キ),
 * one inside it left out (わからなです), or one typed twice or stray (表示されれません).
 */
function oneEditApart(typed: string, word: string): boolean {
  if (typed.length === word.length) {
    let differences = 0;
    for (let i = 0; i < typed.length && differences < 2; i++) if (typed[i] !== word[i]) differences++;
    return differences === 1 && sameScript(typed, word);
  }
  const [shorter, longer] = typed.length < word.length ? [typed, word] : [word, typed];
  for (let i = 1; i < longer.length - 1; i++) if (longer.slice(0, i) + longer.slice(i + 1) === shorter) return true;
  return false;
}

const SMALL_KANA = 'ァィゥェォ';
const FULL_KANA = 'アイウエオ';
/** The full-size kana of a small one (ィ → イ); other characters as they are. */
function fullSize(char: string): string {
  const at = SMALL_KANA.indexOf(char);
  return at < 0 ? char : FULL_KANA[at]!;
}

function copyOf(found: Map<FactSlot, Set<string>>): Map<FactSlot, Set<string>> {
  return new Map([...found].map(([slot, values]) => [slot, new Set(values)]));
}

/** What was said of a fact since `before` replaces what was said of it then, when it is one value. */
function replaceSaid(found: Map<FactSlot, Set<string>>, before: Map<FactSlot, Set<string>>): void {
  for (const [slot, values] of found) {
    const said = [...values].filter((value) => !before.get(slot)?.has(value));
    if (said.length === 1 && before.has(slot)) found.set(slot, new Set(said));
  }
}

function add(found: Map<FactSlot, Set<string>>, slot: FactSlot, value: string): void {
  const values = found.get(slot) ?? new Set<string>();
  values.add(value);
  found.set(slot, values);
}

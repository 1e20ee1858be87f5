import { z } from 'zod';

/** The two official start guides; every fact the bot states cites one of them. */
export const GuideId = z.enum(['certificate', 'onboarding']);
export type GuideId = z.infer<typeof GuideId>;

/** Where a fact stands in a guide: section heading and, where the guide numbers them, the slide ("8/10"). */
export const Source = z.strictObject({
  guide: GuideId,
  section: z.string().min(1),
  slide: z.string().regex(/^\d+\/\d+$/).optional(),
});
export type Source = z.infer<typeof Source>;

export const Step = z.strictObject({
  /** The guide's wording, condensed where the extraction is screen noise. */
  text: z.string().min(1),
  /** ※ notes and warnings printed with the step. */
  notes: z.array(z.string().min(1)).default([]),
  /** The slide this step is on, when it differs from the entry's. */
  slide: z.string().regex(/^\d+\/\d+$/).optional(),
});
export type Step = z.infer<typeof Step>;

/** What a user may be asking about; dialogs and analytics group by it. */
export const Topic = z.enum(['certificate', 'id', 'error', 'onboarding', 'contact']);
export type Topic = z.infer<typeof Topic>;

const EntryId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case words joined by "-"');

const entryBase = {
  id: EntryId,
  topic: Topic,
  title: z.string().min(1),
  /** Intro text shown before the steps or as the whole answer. */
  summary: z.string().min(1).optional(),
  steps: z.array(Step).default([]),
  /** ※ notes that belong to the whole entry rather than one step. */
  notes: z.array(z.string().min(1)).default([]),
  source: Source,
  /** Guide sentences that apply to one situation only, keyed by it (e.g. security-mail-registered). */
  cases: z.record(z.string().regex(/^[a-z-]+$/), z.string().min(1)).default({}),
  /**
   * The situations this entry is for, as triage facts (facts.yaml), one or more alternatives:
   * [{ idType: [kj], idStatus: [lost] }]. The entry fits a message whose facts meet every fact of an
   * alternative; it is ruled out when a stated fact contradicts an alternative and none fits.
   */
  when: z.array(z.record(z.string(), z.array(z.string().min(1)).min(1))).default([]),
  /** Situations this entry is not for (ruled out when one is stated wholly), without saying which it is for. */
  unless: z.array(z.record(z.string(), z.array(z.string().min(1)).min(1))).default([]),
  /**
   * Facts its steps differ by (セキュリティ用メールアドレスの有無によって手順が異なります): a user whose situation it fits
   * but who has not told these is asked them first, so the answer shows their case.
   */
  dependsOn: z.array(z.string().min(1)).default([]),
  /**
   * An entry the triage's questions reach better than the words do: one branch of a choice its triage makes
   * (3-1 or 3-2), or a flow step that points to the topic's own guide. Unless the message's facts fit it, the triage asks first.
   */
  asksFirst: z.boolean().default(false),
  /**
   * A section its topic's triage shows on the way to what the user is after (section 4, the 証明書発行用
   * パスワード's reissue, before the install): asked for with that goal named, the triage shows it and goes on.
   */
  onTheWay: z.boolean().default(false),
  /** The whole flow of its topic (全体ステップ): reached on words every topic uses (何から始めれば), it yields to the topic a message names. */
  overview: z.boolean().default(false),
  /** The entries of its steps, in the order the guide takes them (an overview's): what comes after a step the user has done. */
  flow: z.array(EntryId).default([]),
  /** Other entries worth offering next (ids). */
  related: z.array(EntryId).default([]),
  /** How staff actually ask for this entry; the router's classifier learns from these and the title (and matches the guide text itself apart). */
  examples: z.array(z.string().min(1)).min(8),
};

export const ProcedureEntry = z.strictObject({ ...entryBase, kind: z.literal('procedure') });
export const InfoEntry = z.strictObject({ ...entryBase, kind: z.literal('info') });
export const FaqEntry = z.strictObject({
  ...entryBase,
  kind: z.literal('faq'),
  /** FAQ number as printed: "Q1". */
  number: z.string().regex(/^Q\d+$/),
  question: z.string().min(1),
  answer: z.string().min(1),
});
export const ErrorEntry = z.strictObject({
  ...entryBase,
  kind: z.literal('error'),
  /** The message as the screen shows it, or the symptom as the guide names it. */
  message: z.string().min(1),
  /** Fragments that identify the message when pasted partially. */
  patterns: z.array(z.string().min(1)).default([]),
  answer: z.string().min(1),
});

export const Entry = z.discriminatedUnion('kind', [ProcedureEntry, InfoEntry, FaqEntry, ErrorEntry]);
export type Entry = z.infer<typeof Entry>;
export type ErrorEntry = z.infer<typeof ErrorEntry>;
export type FaqEntry = z.infer<typeof FaqEntry>;

export const KnowledgeFile = z.strictObject({ entries: z.array(Entry).min(1) });

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
export const Contact = z.strictObject({
  name: z.string().min(1),
  phone: z.string().regex(/^[0-9-]+$/),
  hours: z.strictObject({ open: HHMM, close: HHMM, timeZone: z.string().min(1) }),
  /** As the guide prints it, e.g. "受付時間 9:00～17:00（土日祝日は除く）". */
  hoursText: z.string().min(1),
  closedOnWeekends: z.boolean(),
  closedOnNationalHolidays: z.boolean(),
  supportSiteUrl: z.url(),
  inquiryForm: z.string().min(1),
  source: Source,
});
export type Contact = z.infer<typeof Contact>;

/** Each line: the canonical word, then variants that mean the same to a clerk. */
export const SynonymFile = z.strictObject({
  synonyms: z.array(z.strictObject({ canonical: z.string().min(1), variants: z.array(z.string().min(1)).min(1) })),
});
export type SynonymFile = z.infer<typeof SynonymFile>;

const Words = z.array(z.string().min(1));
/** Per value, the words that state it by themselves, whatever they are said next to. */
const FactValues = z.record(z.string(), Words);
const PolarityMap = z.strictObject({ affirm: z.string().optional(), negate: z.string().optional(), unknown: z.string().optional() });
const FactDefinition = z.strictObject({
  topic: Topic,
  /** Words a polarity word (ある／ない) is said of when it states this fact. */
  about: Words,
  /**
   * Words for the fact's object that another topic uses too (書類, お知らせ: the 通知書 of the certificate
   * password, or the letter with the KJ ID): they are said of this fact only when its topic is named
   * by other words, or its question is asked, and never name the topic themselves.
   */
  mentions: Words.default([]),
  /** Words one of which must stand in the same clause for this fact's words to count (介護DX証明書 … インストール). */
  requires: Words.default([]),
  /**
   * Other places of this system where the fact's words are another's (a login at the 利用状況WEBサイト is
   * the c… ID's, not the KJ login): named, they keep the fact unread unless the message names one of
   * `unless` (the fact's own place) too.
   */
  elsewhere: z.strictObject({ at: Words, unless: Words }).optional(),
  /** Per value, words one of which must stand in the message for that value's words to count, unless its question is asked (代行 is the billing's only beside 請求). */
  needs: z.record(z.string(), Words).default({}),
  /** What this fact's question takes as given (the login question is about the KJ ID): facts.yaml's `implies` read with it. */
  presumes: z.record(z.string(), z.string()).default({}),
  /** Topics in which this fact is read: a message whose first topic is another does not state it. */
  within: z.array(Topic).default([]),
  /** The topics whose triage asks this fact besides its own (the certificate's asks whether the KJ login works). */
  askedBy: z.array(Topic).default([]),
  /** Which value an affirmation, a negation or a "don't know" states. */
  polarity: PolarityMap.default({}),
  /** Its values are kinds to choose between (which ID): a "don't know" of which one (何のパスワードか, どっちか) is said of it alone. */
  choice: z.boolean().default(false),
  values: FactValues,
  /** Per value, words that state it only as a reply to its own question (してる, お知らせに書いてあった): never read from other messages. */
  replies: FactValues.default({}),
});
const AnswerDefinition = z.strictObject({ polarity: PolarityMap, values: FactValues });

/** facts.yaml: the words for each fact the triage asks about; see src/knowledge/facts.ts. */
export const FactFile = z.strictObject({
  polarity: z.strictObject({
    affirm: Words,
    negate: Words,
    unknown: Words,
    yes: Words,
    no: Words,
    negationSuffixes: Words,
    /** After a negating word these deny the negation, so it affirms: ない|ことはない, できなく|はない. */
    doubleNegationSuffixes: Words.default([]),
    /** A shrug (さあ…): "I don't know" only as a whole answer, since it is part of other words (手元さあるよ). */
    shrug: Words.default([]),
    neutral: Words,
  }),
  filler: Words,
  /** Ways of saying the screen's message is not at hand (スクショしかない, 消えちゃった): no text to take as it. */
  notAtHand: Words.default([]),
  /**
   * Words that ask for the helpdesk itself (its number, its hours, a person), and words that name it.
   * Without the first, a helpdesk named beside a topic is how the message came here; without either, a
   * phone call is someone else's (利用者さんのご家族から苦情の電話).
   */
  helpdesk: z.strictObject({ asks: Words, names: Words }).default({ asks: [], names: [] }),
  /** Facts that follow from others (期限切れ → the KJ login fails), taken into the triage, never read from the text. */
  implies: z.array(z.strictObject({ if: z.record(z.string(), z.string()), then: z.record(z.string(), z.string()) })).default([]),
  /** Words after which what the message said before no longer stands (やっぱり, 訂正). */
  turnarounds: Words.default([]),
  /** A word standing alone between commas that takes back what came before it (ないと思います、いえ、ありました). */
  retractions: Words.default([]),
  /** Words that put a phrase in the past (先月までは): beside a phrase about now, what it says no longer holds. */
  past: Words.default([]),
  /** Where the user is in a flow: what they say they have `done` (…は済みました), then `next` (次は？). */
  progress: z.strictObject({ done: Words, next: Words }).default({ done: [], next: [] }),
  /**
   * Another office, named (隣の小多機は, 同じ法人の別のグループホームでは): `marks` before a `places` word.
   * What the clause says of it, up to the user's own office (`ours`: うちは), is not the user's fact.
   */
  otherOffices: z.strictObject({ marks: Words, places: Words, ours: Words }).default({ marks: [], places: [], ours: [] }),
  /**
   * Logins and passwords of other systems (Windows, LINE): a message about one of them, naming none
   * of this system's own words, states none of `facts` (the facts about this system's IDs).
   */
  /** `before`: words after another system's name that put it in the past, as the background (伝送ソフトのときも). */
  systems: z.strictObject({ others: Words, own: Words, facts: Words, before: Words.default([]) }).default({ others: [], own: [], facts: [], before: [] }),
  topics: z.partialRecord(Topic, Words),
  /**
   * Topic words said of other things too (インストール: an app's as well; って出: any screen): they name
   * their topic, but not what the message is about when the router finds an entry elsewhere.
   */
  broad: Words.default([]),
  /** Words that hint at a topic (新しいパソコン: the certificate goes again): its topic only when no topic word names another. */
  hints: z.partialRecord(Topic, Words).default({}),
  facts: z.record(z.string(), FactDefinition),
  answers: z.record(z.string(), AnswerDefinition),
});
export type FactFile = z.infer<typeof FactFile>;

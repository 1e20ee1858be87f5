/**
 * Whole conversations typed into the real bot (middleware, state, dialogs on TestAdapter), scored as
 * a user would see them: which question the bot asks or which guide entry it shows after an
 * opening, which facts it kept, whether a typed answer moved the triage on as its button would, and
 * how many questions a chat took to reach its guide entry. Used by `npm run bench:conversations`
 * and by the tests, so that what the bench measures is what users see.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { FACT_SLOTS, FACT_VALUES, labelOf, type FactSlot } from '../../src/knowledge/factTable';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import type { TriageFacts } from '../../src/dialogs/triageFacts';
import { kb, say, storedState, testBot } from './testBot';

/** The bot's questions by the ids the sets use, each with the words that show it was asked. */
export const QUESTION_PHRASES = {
  certPassword: PHRASES.certPassword,
  kjLogin: PHRASES.certLogin,
  certHistory: PHRASES.certHistory,
  idType: PHRASES.idWhich,
  idStatus: PHRASES.idStatus,
  securityMail: PHRASES.idSecurityMail,
  solved: PHRASES.solvedQuestion,
  handoff: PHRASES.handoffOffer,
  errorMessage: PHRASES.errorAsk,
  gettingStartedStep: PHRASES.gettingStartedDeeper,
} as const;
export type QuestionId = keyof typeof QUESTION_PHRASES;
const QUESTION_IDS = Object.keys(QUESTION_PHRASES) as QuestionId[];
/** The fact each triage question asks about. */
const FACT_OF: Partial<Record<QuestionId, FactSlot>> = {
  certPassword: 'certificatePassword',
  kjLogin: 'kjLogin',
  certHistory: 'certificateHistory',
  idType: 'idType',
  idStatus: 'idStatus',
  securityMail: 'securityMail',
};
/** The facts the sets' authors were told of (certificateKind came later, from the guide's two certificates). */
export const LABELLED_FACTS = FACT_SLOTS.filter((slot) => slot !== 'certificateKind');

const Expectation = z.union([
  z.strictObject({ ask: z.enum(QUESTION_IDS as [QuestionId, ...QuestionId[]]) }),
  z.strictObject({ answer: z.union([z.string(), z.array(z.string()).min(1)]) }),
  z.strictObject({ offTopic: z.literal(true) }),
]);
const FactsShape = z.partialRecord(z.enum(FACT_SLOTS as [FactSlot, ...FactSlot[]]), z.string()).default({});
export const ConversationSet = z.strictObject({
  openings: z.array(z.strictObject({ text: z.string().min(1), facts: FactsShape, expect: Expectation })),
  /** `means`: a list when the answer honestly reads either way, each right. */
  answers: z.array(z.strictObject({ question: z.enum(QUESTION_IDS as [QuestionId, ...QuestionId[]]), text: z.string().min(1), means: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) })),
  conversations: z.array(z.strictObject({ turns: z.array(z.string().min(1)).min(1), expect: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) })),
});
export type ConversationSet = z.infer<typeof ConversationSet>;
export type Opening = ConversationSet['openings'][number];
export type TypedAnswer = ConversationSet['answers'][number];
export type Conversation = ConversationSet['conversations'][number];

const DEV_DIR = join(__dirname, '../data');
/** Every development set in test/data, so a new author's set is measured and run through the bot once it is added. */
export const CONVERSATION_DEV_PATHS = readdirSync(DEV_DIR).filter((file) => /^conversations-.*\.yaml$/.test(file)).sort().map((file) => join(DEV_DIR, file));
export const CONVERSATION_HOLDOUT_PATHS = ['conversations-holdout.yaml', 'conversations-holdout-e.yaml', 'conversations-holdout-h.yaml', 'conversations-holdout-k.yaml', 'conversations-holdout-l.yaml'].map((name) => join(__dirname, '../../bench/data', name)).filter((path) => existsSync(path));

export function loadConversationSet(path: string): ConversationSet {
  const set = ConversationSet.parse(load(readFileSync(path, 'utf8')));
  for (const o of set.openings) {
    for (const [slot, value] of Object.entries(o.facts)) {
      if (!(FACT_VALUES[slot as FactSlot] as readonly string[]).includes(value!)) throw new Error(`${path}: "${o.text}": fact ${slot} has no value "${value}"`);
    }
    const ids = 'answer' in o.expect ? [o.expect.answer].flat() : [];
    for (const id of ids) if (!kb.byId.has(id)) throw new Error(`${path}: "${o.text}": unknown entry ${id}`);
  }
  for (const c of set.conversations) for (const id of [c.expect].flat()) if (!kb.byId.has(id)) throw new Error(`${path}: unknown entry ${id}`);
  return set;
}

/** What one turn of the bot showed: the entries (by their 【title】), the questions asked, and the raw replies. */
export interface TurnSeen {
  entries: string[];
  asked: QuestionId[];
  offTopic: boolean;
  replies: string[];
}

const TITLE = /^【(.+?)】/;
const entryByTitle = new Map(kb.entries.map((e) => [e.title, e.id]));

export function seen(replies: string[]): TurnSeen {
  const entries: string[] = [];
  const asked: QuestionId[] = [];
  for (const reply of replies) {
    const title = TITLE.exec(reply)?.[1];
    const id = title && entryByTitle.get(title);
    if (id) entries.push(id);
    for (const q of QUESTION_IDS) if (reply.includes(QUESTION_PHRASES[q])) asked.push(q);
  }
  return { entries, asked, offTopic: replies.some((r) => r.includes(PHRASES.offTopic)), replies };
}

/** A fresh bot, started with the conversation's first message as a user who types. */
async function opened(text: string) {
  const bot = testBot();
  await say(bot.adapter, 'こんにちは');
  return { bot, turn: seen(await say(bot.adapter, text)) };
}

/**
 * Lets a played bot go: its analytics recorder holds a flush timer for a few seconds, which keeps the
 * whole bot alive while a run of thousands plays on without the timers ever getting their turn.
 */
async function done(bot: ReturnType<typeof testBot>): Promise<void> {
  await bot.analytics.close();
}

async function factsOf(bot: ReturnType<typeof testBot>): Promise<TriageFacts> {
  return ((await storedState(bot))?.triageFacts ?? { shownEntries: [], feedback: [], unanswered: [] }) as TriageFacts;
}

export interface OpeningResult {
  opening: Opening;
  right: boolean;
  got: string;
  facts: Partial<Record<FactSlot, string>>;
}

/** The first message: does the bot ask the expected question, or show an expected entry first? */
export async function playOpening(opening: Opening): Promise<OpeningResult> {
  const { bot, turn } = await opened(opening.text);
  const facts = await factsOf(bot);
  const kept = Object.fromEntries(LABELLED_FACTS.filter((s) => facts[s] !== undefined).map((s) => [s, facts[s] as string]));
  const { expect } = opening;
  let right: boolean;
  if ('ask' in expect) right = turn.asked.at(-1) === expect.ask && !(expect.ask !== 'solved' && turn.asked.includes('solved'));
  else if ('answer' in expect) right = turn.entries[0] !== undefined && [expect.answer].flat().includes(turn.entries[0]);
  else right = turn.offTopic;
  const got = turn.offTopic ? 'off-topic' : [...turn.entries, ...turn.asked.map((q) => `ask:${q}`)].join(' ') || turn.replies.join(' / ').slice(0, 80);
  await done(bot);
  return { opening, right, got, facts: kept };
}

const ASKED_AGAIN_AFTER_UNKNOWN: QuestionId[] = ['certHistory', 'idType'];

/** How the bot is brought to each question by clicks, before the typed answer under test. */
const PATH_TO: Record<QuestionId, string[]> = {
  certPassword: [MENU.certificate],
  kjLogin: [MENU.certificate, CHOICES.certPassword.have],
  certHistory: [MENU.certificate, CHOICES.certPassword.have, CHOICES.login.yes],
  idType: [MENU.id],
  idStatus: [MENU.id, CHOICES.idType.kj],
  securityMail: [MENU.id, CHOICES.idType.kj, CHOICES.idStatus.lost],
  solved: [MENU.id, CHOICES.idType.kj, CHOICES.idStatus.expired],
  handoff: [MENU.id, CHOICES.idType.kj, CHOICES.idStatus.expired, 'いいえ'],
  errorMessage: [MENU.error],
  gettingStartedStep: [MENU.gettingStarted],
};

export interface AnswerResult {
  answer: TypedAnswer;
  right: boolean;
  got: string;
}

/**
 * A typed answer to one of the bot's questions. A choice is understood when the bot keeps that
 * value and moves on (it does not ask the same question again); for 解決しましたか？ and the hand-off
 * offer, when it replies as to that button. A question of its own must be answered and the same
 * question asked again; an unclear answer must get the question again, with nothing kept.
 */
export async function playAnswer(answer: TypedAnswer): Promise<AnswerResult> {
  const bot = testBot();
  for (const text of ['こんにちは', ...PATH_TO[answer.question]]) await say(bot.adapter, text);
  const turn = seen(await say(bot.adapter, answer.text));
  const slot = FACT_OF[answer.question];
  const kept = slot ? (await factsOf(bot))[slot] : undefined;
  const askedAgain = turn.asked.includes(answer.question);
  const all = turn.replies.join('\n');
  const understood = (means: string): boolean => {
    if (means === 'question') return askedAgain && (turn.entries.length > 0 || turn.offTopic) && all.includes(PHRASES.backToQuestion);
    if (means === 'unclear') return askedAgain && turn.entries.length === 0 && (!slot || kept === undefined);
    if (answer.question === 'solved') return all.includes(means === 'yes' ? PHRASES.solvedThanks : PHRASES.escalationUnsolved);
    if (answer.question === 'handoff') return means === 'yes' ? all.includes('受付番号') : all.includes(PHRASES.handoffDeclined);
    // わからない to 発行履歴 or to "which ID?": the bot shows how to find out and asks again, by design.
    if (means === 'unknown' && ASKED_AGAIN_AFTER_UNKNOWN.includes(answer.question)) return kept === 'unknown' && turn.entries.length > 0;
    // A pasted error message, or a step of the onboarding flow picked by typing: that entry is shown.
    if (!slot) return turn.entries.includes(means);
    return kept === means && !askedAgain;
  };
  // An answer that honestly reads two ways (A事業所はOK、B事業所はNG) is understood, too, when the bot
  // says it reads both and shows their buttons again, as the issue asks.
  const readings = [answer.means].flat();
  const saysBoth = all.includes(PHRASES.ambiguous(['', '']).slice('「」と「」'.length));
  const bothSeen = slot !== undefined && readings.length > 1 && askedAgain && kept === undefined && saysBoth && readings.every((value) => all.includes(`「${labelOf(slot, value as never)}」`));
  const right = readings.some(understood) || bothSeen;
  const got = [`kept ${kept ?? '-'}`, ...turn.entries, ...turn.asked.map((q) => `ask:${q}`)].join(' ');
  await done(bot);
  return { answer, right, got };
}

export interface ConversationResult {
  conversation: Conversation;
  solved: boolean;
  /** Triage questions the bot asked on the way (解決しましたか？ and the hand-off offer aside). */
  questions: number;
  shown: string[];
}

/** A whole chat typed turn by turn: does it reach the expected guide entry, and after how many questions? */
export async function playConversation(conversation: Conversation): Promise<ConversationResult> {
  const [first, ...rest] = conversation.turns;
  const { bot, turn } = await opened(first!);
  const turns = [turn];
  for (const text of rest) turns.push(seen(await say(bot.adapter, text)));
  const shown = turns.flatMap((t) => t.entries);
  const questions = turns.flatMap((t) => t.asked).filter((q) => q !== 'solved' && q !== 'handoff').length;
  await done(bot);
  return { conversation, solved: [conversation.expect].flat().some((id) => shown.includes(id)), questions, shown };
}

export interface FactScore {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
}

/** Per fact, what the openings' kept facts got right (precision: kept values that were said; recall: said values kept). */
export function scoreFacts(results: Array<Pick<OpeningResult, 'opening' | 'facts'>>): Map<FactSlot, FactScore> {
  const scores = new Map<FactSlot, FactScore>(LABELLED_FACTS.map((slot) => [slot, { truePositive: 0, falsePositive: 0, falseNegative: 0 }]));
  for (const { opening, facts } of results) {
    for (const slot of LABELLED_FACTS) {
      const said = opening.facts[slot];
      const kept = facts[slot];
      const score = scores.get(slot)!;
      if (kept !== undefined && kept === said) score.truePositive++;
      else {
        if (kept !== undefined) score.falsePositive++;
        if (said !== undefined) score.falseNegative++;
      }
    }
  }
  return scores;
}

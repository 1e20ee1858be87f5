import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ListStyle,
  WaterfallDialog,
  type Choice,
  type Dialog,
  type DialogTurnResult,
  type FoundChoice,
  type PromptOptions,
  type PromptRecognizerResult,
  type PromptValidatorContext,
  type WaterfallStep,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { FactReader } from '../knowledge/facts';
import { normalizeText } from '../knowledge/normalize';
import { labelOf, labelsOf, valueOfLabel, type FactSlot, type Facts, type Slot, type ValueOf } from '../knowledge/factTable';
import type { Entry } from '../knowledge/schema';
import { replyActivity } from '../replies/activity';
import { entryReply } from '../replies/knowledgeReplies';
import type { Reply } from '../replies/model';
import { checkKjId, looksLikeCId, looksLikeKjId } from '../helpdesk/kjId';
import { NO, PHRASES, YES } from './phrases';
import type { TriageServices } from './services';
import { emptyFacts, type TriageFacts } from './triageFacts';

/** The one choice prompt and the one text prompt every step asks with (registered once, in MainDialog). */
export const CHOICE_PROMPT = 'choice-prompt';
export const TEXT_PROMPT = 'text-prompt';
export const ESCALATION_DIALOG = 'escalation';

export interface ShownEntry {
  entry: Entry;
  lead?: string[];
  notes?: string[];
  /** The user's situation, a key of entry.cases. */
  situation?: string;
}

/** Where the main dialog starts. */
export type MainStart = 'menu' | 'certificate' | 'id' | 'error' | 'gettingStarted' | 'faq' | 'escalation';
export interface MainOptions {
  start?: MainStart;
  /** The user's first message, routed as a question. */
  utterance?: string;
}

/** Carried in a choice prompt's options: the fact or answer it asks about, so that a typed answer is read for it. */
export interface QuestionValidations {
  slot?: Slot;
}

/** Result of a choice prompt after the user missed the choices three times. */
const NO_ANSWER = '\u0000no-answer';
const MAX_ATTEMPTS = 3;
/** Yes/no in the words people use, for choice lists that are not a fact's (a menu of candidates with その他). */
const CHOICE_SYNONYMS: Record<string, string[]> = {
  [YES]: ['yes', 'ok', 'はい'],
  [NO]: ['no', 'いいえ'],
};

/**
 * One part of the triage (a topic's questions): its waterfalls, built from the subclass's steps and
 * registered once in MainDialog's dialog set beside the shared prompts, and the helpers every step
 * uses: ask a fact's question unless the conversation already states it, take its typed or clicked
 * answer, show guide entries. Interruptions are MainDialog's, in one place.
 */
export abstract class TriageSteps {
  constructor(protected readonly services: TriageServices) {}

  /** The waterfalls this part adds. */
  abstract dialogs(): Dialog[];

  /** A waterfall whose steps after the first escalate when the previous choice prompt gave up. */
  protected waterfall(id: string, steps: WaterfallStep[]): WaterfallDialog {
    const guarded = steps.map((step, index): WaterfallStep =>
      index === 0 ? step.bind(this) : async (s) => (s.result?.value === NO_ANSWER ? this.onNoAnswer(s) : step.call(this, s)),
    );
    return new WaterfallDialog(id, guarded);
  }

  /** After three answers that fit no button: the helpdesk. */
  protected async onNoAnswer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await step.context.sendActivity(replyActivity({ text: [PHRASES.tooManyRetries] }));
    return step.replaceDialog(ESCALATION_DIALOG, { reason: 'retries' });
  }

  /** Asks with buttons that are not a fact's (menus, candidates); the reply's text is the question. */
  protected ask(step: WaterfallStepContext, reply: Reply, labels: readonly string[]): Promise<DialogTurnResult> {
    return step.prompt(CHOICE_PROMPT, choicePromptOptions(reply, labels));
  }

  /** Asks the question about a fact or answer, its values as buttons; a typed answer is read for that slot. */
  protected askAbout(step: WaterfallStepContext, slot: Slot, reply: Reply): Promise<DialogTurnResult> {
    return step.prompt(CHOICE_PROMPT, choicePromptOptions(reply, labelsOf(slot), { slot }));
  }

  /**
   * Asks about a fact unless the conversation already states it (in the opening, or in an earlier
   * answer): then the next step gets that value at once. `decisive` says which known values skip it.
   */
  protected async askUnlessKnown<S extends FactSlot>(step: WaterfallStepContext, slot: S, reply: Reply, decisive: (value: ValueOf<S>) => boolean = () => true): Promise<DialogTurnResult> {
    const known = (await this.facts(step.context))[slot] as ValueOf<S> | undefined;
    if (known !== undefined && decisive(known)) return step.next(known);
    return this.askAbout(step, slot, reply);
  }

  /** The value the previous step's question got (a click, a typed answer, or the known fact), kept in the facts. */
  protected async answerOf<S extends Slot>(step: WaterfallStepContext, slot: S): Promise<ValueOf<S>> {
    const result = step.result as string | FoundChoice;
    const value = (typeof result === 'string' ? result : valueOfLabel(slot, result.value)) as ValueOf<S>;
    if (isFactSlot(slot)) await this.updateFacts(step.context, { [slot]: value } as Facts);
    return value;
  }

  protected async facts(context: TurnContext): Promise<TriageFacts> {
    return this.services.facts.get(context, emptyFacts());
  }

  protected async updateFacts(context: TurnContext, change: Partial<TriageFacts>): Promise<void> {
    const facts = await this.facts(context);
    await this.services.facts.set(context, { ...facts, ...change });
    if (change.topic) await this.services.analytics?.topic(context, change.topic);
  }

  /** Sends guide entries as replies, each with optional lead paragraphs and extra notes, and records them as shown. */
  protected async showEntries(context: TurnContext, items: ShownEntry[]): Promise<void> {
    const facts = await this.facts(context);
    for (const { entry, lead = [], notes = [], situation } of items) {
      const reply = entryReply(entry, situation);
      await context.sendActivity(replyActivity({ ...reply, text: [...lead, ...(reply.text ?? [])], notes: [...(reply.notes ?? []), ...notes] }));
      facts.shownEntries.push(entry.id);
      await this.services.analytics?.answered(context, entry);
    }
    await this.services.facts.set(context, facts);
  }

  /** Shows the entry unless this conversation was shown it already (a step run again after new facts). */
  protected async showOnce(context: TurnContext, item: ShownEntry): Promise<void> {
    if (!(await this.facts(context)).shownEntries.includes(item.entry.id)) await this.showEntries(context, [item]);
  }

  protected entry(id: string): Entry {
    const entry = this.services.kb.byId.get(id);
    if (!entry) throw new Error(`knowledge entry "${id}" is missing`);
    return entry;
  }
}

export function isFactSlot(slot: Slot): slot is FactSlot {
  return slot !== 'solved' && slot !== 'handoff';
}

/** A fresh id for a question with buttons: a click carries it back, so an old card is recognised. */
export const newPromptId = () => randomUUID().slice(0, 8);

export function choicePromptOptions(reply: Reply, labels: readonly string[], validations: QuestionValidations = {}): PromptOptions {
  const promptId = newPromptId();
  const choices = labels.map((label) => ({ label }));
  return {
    prompt: replyActivity({ ...reply, choices, promptId }),
    // The question itself comes again: a user who typed should not have to scroll back for it.
    retryPrompt: replyActivity({ ...reply, text: [PHRASES.notUnderstood, ...(reply.text ?? [])], choices, promptId }),
    choices: labels.map((value): Choice => ({ value, synonyms: CHOICE_SYNONYMS[value] })),
    style: ListStyle.none,
    validations,
  };
}

/**
 * The choice prompt of the triage. A question about a fact or answer (one with a slot) is recognised
 * by typedAnswerValidator alone, which reads every answer itself: botbuilder's own recognition would
 * be thrown away there, and it is the dearest part of such a turn's dialogs (when no choice matches
 * the text, it runs the recognizers-text ordinal and number models over it). Other choice lists keep
 * botbuilder's recognition.
 */
export class TriageChoicePrompt extends ChoicePrompt {
  constructor(dialogId: string, reader: FactReader, defaultLocale: string) {
    super(dialogId, typedAnswerValidator(reader), defaultLocale);
  }

  protected override async onRecognize(context: TurnContext, state: any, options: PromptOptions): Promise<PromptRecognizerResult<FoundChoice>> {
    if ((options.validations as QuestionValidations | undefined)?.slot) return { succeeded: false };
    return super.onRecognize(context, state, options);
  }
}

/**
 * The choice prompt's validator. A question about a fact or answer takes its button (clicked, typed
 * as the label, or its number) or a typed answer read for that slot (はい、あります／履歴はなかったです);
 * botbuilder's partial matching is not used there, since 「発行履歴は見当たらない」 shares words with
 * 「発行履歴あり」. Other choice lists keep botbuilder's recognition. After the third miss it gives up
 * with NO_ANSWER so the waterfall escalates.
 */
export function typedAnswerValidator(reader: FactReader) {
  return async (prompt: PromptValidatorContext<FoundChoice>): Promise<boolean> => {
    const slot = (prompt.options.validations as QuestionValidations | undefined)?.slot;
    if (slot) {
      const text = (prompt.context.activity.text ?? '').trim();
      if (slot === 'idType' && looksLikeKjId(text)) return checkTypedKjId(prompt, text);
      const labels = (prompt.options.choices as Choice[]).map((c) => c.value);
      const byNumber = /^\d{1,2}$/.test(text.normalize('NFKC')) ? labels[Number(text.normalize('NFKC')) - 1] : undefined;
      const read = slot === 'idType' && looksLikeCId(text) ? 'c' : reader.answer(slot, text).value;
      const label = labels.includes(text) ? text : (byNumber ?? (read !== undefined ? labelOf(slot, read) : undefined));
      if (label !== undefined) {
        prompt.recognized.value = { value: label, index: labels.indexOf(label), score: 1 };
        prompt.recognized.succeeded = true;
        return true;
      }
      prompt.recognized.succeeded = false;
    } else if (!prompt.recognized.succeeded) {
      const labels = (prompt.options.choices as Choice[]).map((c) => c.value);
      const named = namedLabel(prompt.context.activity.text ?? '', labels, { spell: (text) => reader.canonical(text) });
      if (named !== undefined) prompt.recognized.value = { value: named, index: labels.indexOf(named), score: 1 };
      prompt.recognized.succeeded = named !== undefined;
    }
    return stopAfterRetries(prompt);
  };
}

/** An ID typed for "which ID?": a well-formed KJ ID is the KJ choice; otherwise say what is wrong with its form and ask again. */
async function checkTypedKjId(prompt: PromptValidatorContext<FoundChoice>, text: string): Promise<boolean> {
  const check = checkKjId(text);
  if (check.ok) {
    await prompt.context.sendActivity(replyActivity({ text: [PHRASES.kjIdValid(check.id)] }));
    const label = labelOf('idType', 'kj');
    prompt.recognized.value = { value: label, index: 0, score: 1 };
    return true;
  }
  await prompt.context.sendActivity(replyActivity({ text: [PHRASES.kjIdInvalid(check.problem)] }));
  // Having replied, botbuilder would skip its retry prompt this turn: ask again ourselves.
  if (prompt.attemptCount < MAX_ATTEMPTS && prompt.options.prompt) await prompt.context.sendActivity(prompt.options.prompt);
  prompt.recognized.succeeded = false;
  return stopAfterRetries(prompt);
}

/**
 * The one label a typed text names by its place (３番目) or by a run of its words (「ID確認のところ詳しく」 → 「3. 電子請求用のID
 *確認」): the longest run of three or more characters the text shares with a label, longer than any
 * it shares with another. For lists of titles, where botbuilder's word matching finds nothing in Japanese.
 */
export function namedLabel(
  text: string,
  labels: readonly string[],
  { spell = normalizeText, outright = false, question = '' }: { spell?: (text: string) => string; outright?: boolean; question?: string } = {},
): string | undefined {
  // Both sides spelt alike (`spell`: the synonym table's words, so しょうめいしょ meets 証明書, パソコン PC).
  const compactText = (text: string) => spell(text).replace(/ /g, '');
  const typed = compactText(text);
  // Places count among the numbered items (the steps), not the extra choices after them (担当者に相談).
  const numbered = labels.filter((label) => NUMBERED.test(label));
  const listed = numbered.length > 0 ? numbered : labels;
  const position = ordinalOf(typed, listed.length);
  if (position !== undefined) return listed[position - 1];
  // Particles do not break a run: IDの確認 names 電子請求用のID確認.
  const runs = labels.map((label) => ({ label, ...longestSharedRun(withoutParticles(typed), withoutParticles(compactText(label.replace(NUMBERED, '')))) })).sort((a, b) => b.run - a.run);
  const [best, next] = runs;
  // `outright`: the run is most of what was typed (IDの確認のところ), not a few words a sentence shares with a label;
  // the question's own words said back do not count (電子証明書のステップを詳しく知りたいです, asked 詳しく知りたいステップを…).
  // A Latin word of two letters is a word (IDのところ, PCの話), where two kana are not.
  const said = withoutEcho(withoutParticles(typed), withoutParticles(compactText(question)));
  const enough = ({ run, shared }: { run: number; shared: string }) => (run >= MIN_NAMING_RUN || LATIN_WORD.test(shared)) && (!outright || run * 2 >= said.length);
  return best && enough(best) && best.run > (next?.run ?? 0) ? best.label : undefined;
}
const MIN_NAMING_RUN = 3;
const LATIN_WORD = /^[a-z]{2,}$/;
const NUMBERED = /^\d+\.\s*/;

// Normalised text (katakana, NFKC digits): 最初のやつ, さいごの, 3番目, 二つ目, 一番下.
const KANJI_DIGITS = '一二三四五六七八九';
const FIRST = /最初|サイショ|一番上|イチバン上|イチバンウエ|トップ/;
const LAST = /最後|サイゴ|ラスト|一番下|イチバン下|イチバンシタ/;
const KANA_DIGITS = ['イチ', 'ニ', 'サン', 'ヨン', 'ゴ', 'ロク', 'ナナ', 'ハチ', 'キュウ'];
const NTH = new RegExp(`([1-9]|[${KANJI_DIGITS}]|${KANA_DIGITS.join('|')})(?:番目|ツ目|ツメ|個目|コメ|番ノ|番$|バンメ|バンノ|バン$)`);
const BARE_NUMBER = new RegExp(`^([${KANJI_DIGITS}]|${KANA_DIGITS.join('|')})(?:デス|バン)?$`);
const PARTICLES = /[ノヲガハ]/g;
const withoutParticles = (text: string) => text.replace(PARTICLES, '');
/** `text` without the runs of three or more characters it shares with `echoed`. */
export function withoutEcho(text: string, echoed: string): string {
  let rest = text;
  for (let { run, shared } = longestSharedRun(rest, echoed); run >= MIN_NAMING_RUN; { run, shared } = longestSharedRun(rest, echoed)) rest = rest.replace(shared, '');
  return rest;
}

/** A list item named by its place: the first, the last, the third. */
function ordinalOf(typed: string, count: number): number | undefined {
  // A bare number word as the whole answer (ろく, 三) is a place too, as a bare 6 is.
  const nth = NTH.exec(typed)?.[1] ?? BARE_NUMBER.exec(typed)?.[1];
  const position = nth !== undefined ? (KANJI_DIGITS.indexOf(nth) + 1 || KANA_DIGITS.indexOf(nth) + 1 || Number(nth)) : FIRST.test(typed) ? 1 : LAST.test(typed) ? count : undefined;
  return position !== undefined && position >= 1 && position <= count ? position : undefined;
}

function longestSharedRun(a: string, b: string): { run: number; shared: string } {
  let longest = { run: 0, shared: '' };
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let n = 0;
      while (i + n < a.length && j + n < b.length && a[i + n] === b[j + n]) n++;
      if (n > longest.run) longest = { run: n, shared: a.slice(i, i + n) };
    }
  }
  return longest;
}

function stopAfterRetries(prompt: PromptValidatorContext<FoundChoice>): boolean {
  if (prompt.recognized.succeeded) return true;
  if (prompt.attemptCount < MAX_ATTEMPTS) return false;
  prompt.recognized.value = { value: NO_ANSWER, index: -1, score: 0 };
  return true;
}

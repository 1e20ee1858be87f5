import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ComponentDialog,
  Dialog,
  ListStyle,
  recognizeChoices,
  TextPrompt,
  type Choice,
  type DialogContext,
  type DialogTurnResult,
  type FoundChoice,
  type PromptOptions,
  type PromptValidatorContext,
  type WaterfallStep,
  type WaterfallStepContext,
  WaterfallDialog,
} from 'botbuilder-dialogs';
import { replyActivity, replyOf } from '../bot/replyActivity';
import { looksLikeKjId } from '../helpdesk/kjId';
import type { Entry } from '../knowledge/schema';
import { entryReply } from '../replies/knowledgeReplies';
import { choiceValue, type Reply } from '../replies/model';
import { clickedPromptId, commandOf } from './commands';
import { NO, PHRASES, YES } from './phrases';
import type { TriageServices } from './services';
import { emptyFacts, type TriageFacts } from './triageFacts';

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

/** Where the main dialog starts when a turn restarts the conversation. */
export type MainStart = 'menu' | 'certificate' | 'id' | 'error' | 'gettingStarted' | 'faq' | 'escalation';
export interface MainOptions {
  start?: MainStart;
  /** The user's first message, routed as a question. */
  utterance?: string;
  /** Cancelled: end quietly, no menu. */
  quiet?: boolean;
}

/** Set on the turn when an interruption cancelled the dialogs; the bot then starts MainDialog with it. */
export const RESTART_KEY = Symbol('restart');
/** Set by the secret guard when it emptied the message: the waiting question is asked again. */
export const SECRET_DROPPED_KEY = Symbol('secret-dropped');
const CHECKED_KEY = Symbol('interruptions-checked');
/** Result of a choice prompt after the user missed the choices three times. */
const NO_ANSWER = '\u0000no-answer';
const MAX_ATTEMPTS = 3;

/** Yes/no answers in the words people use. */
const CHOICE_SYNONYMS: Record<string, string[]> = {
  [YES]: ['yes', 'ok', 'はい', '解決した', '解決しました', 'できた', 'できました', '大丈夫'],
  [NO]: ['no', 'いいえ', '解決していない', '解決しない', 'まだ', 'だめ', 'ダメ', 'できない'],
};

/**
 * Base of every triage dialog: the shared prompts and one interruption mechanism, in the spirit of
 * the Bot Framework core-bot sample's CancelAndHelpDialog. A dialog registers every dialog it starts
 * itself: botbuilder finds a parent's dialogs when starting one, but not when asking its question again. The outermost dialog checks each message
 * once for commands (最初から, キャンセル, ヘルプ, 担当者), clicks on old cards, and an unrelated
 * question asked while a choice is waiting (answered, then the same question is asked again).
 */
export abstract class TriageDialog extends ComponentDialog {
  private hasWaterfall = false;

  constructor(
    id: string,
    protected readonly services: TriageServices,
  ) {
    super(id);
    this.addDialog(new ChoicePrompt(CHOICE_PROMPT, stopAfterRetries, 'ja-jp'));
    this.addDialog(new TextPrompt(TEXT_PROMPT));
  }

  /** A waterfall whose steps after the first escalate when the previous choice prompt gave up. */
  protected addWaterfall(id: string, steps: WaterfallStep[]): void {
    const guarded = steps.map((step, index): WaterfallStep =>
      index === 0
        ? step
        : async (s) => (s.result?.value === NO_ANSWER ? this.onNoAnswer(s) : step(s)),
    );
    this.addDialog(new WaterfallDialog(id, guarded));
    // addDialog made the shared prompt the initial dialog; the first waterfall is the real start.
    if (!this.hasWaterfall) this.initialDialogId = id;
    this.hasWaterfall = true;
  }

  /** After three answers that fit no button: the helpdesk (each dialog that can get here registers EscalationDialog). */
  protected async onNoAnswer(step: WaterfallStepContext): Promise<DialogTurnResult> {
    await step.context.sendActivity(replyActivity({ text: [PHRASES.tooManyRetries] }));
    return step.replaceDialog(ESCALATION_DIALOG, { reason: 'retries' });
  }

  /** Asks with buttons; the reply's text is the question. */
  protected ask(step: WaterfallStepContext, reply: Reply, labels: readonly string[]): Promise<DialogTurnResult> {
    return step.prompt(CHOICE_PROMPT, choicePromptOptions(reply, labels));
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

  protected entry(id: string): Entry {
    const entry = this.services.kb.byId.get(id);
    if (!entry) throw new Error(`knowledge entry "${id}" is missing`);
    return entry;
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async interrupt(dc: DialogContext): Promise<DialogTurnResult | undefined> {
    const { context } = dc;
    if (context.activity.type !== 'message' || context.turnState.get(CHECKED_KEY)) return undefined;
    context.turnState.set(CHECKED_KEY, true);
    const text = (context.activity.text ?? '').trim();
    const askAgain = async (...paragraphs: string[]) => {
      if (paragraphs.length) await context.sendActivity(replyActivity({ text: paragraphs }));
      await dc.repromptDialog();
      return Dialog.EndOfTurn;
    };

    // The secret guard already warned and emptied the message: just ask the same question again.
    if (context.turnState.get(SECRET_DROPPED_KEY)) return askAgain();
    const command = commandOf(text);
    if (command === 'help') return askAgain(...PHRASES.help);
    if (command === 'cancel') {
      await context.sendActivity(replyActivity({ text: [PHRASES.cancelled] }));
      return restart(dc, { quiet: true });
    }
    if (command === 'restart') return restart(dc, { start: 'menu' });
    if (command === 'human') return restart(dc, { start: 'escalation' });

    const waiting = waitingPrompt(dc);
    if (!waiting) return undefined;
    const clicked = clickedPromptId(context.activity);
    if (clicked !== undefined && clicked !== waiting.promptId) return askAgain(PHRASES.staleClick);
    // A question asked while buttons wait is answered, then the same question comes back.
    if (waiting.isChoice && text && recognizeChoices(text, waiting.choices).length === 0 && !looksLikeKjId(text)) {
      const route = this.services.router.route(text);
      const best = route.candidates[0];
      if (route.decision === 'answer' && best) {
        await this.showEntries(context, [{ entry: best.entry }]);
        return askAgain(PHRASES.backToQuestion);
      }
    }
    return undefined;
  }
}

/** A fresh id for a question with buttons: a click carries it back, so an old card is recognised. */
export const newPromptId = () => randomUUID().slice(0, 8);

export function choicePromptOptions(reply: Reply, labels: readonly string[]): PromptOptions {
  const promptId = newPromptId();
  const choices = labels.map((label) => ({ label }));
  return {
    prompt: replyActivity({ ...reply, choices, promptId }),
    retryPrompt: replyActivity({ text: [PHRASES.notUnderstood], choices, promptId }),
    choices: labels.map((value): Choice => ({ value, synonyms: CHOICE_SYNONYMS[value] })),
    style: ListStyle.none,
  };
}

/** Choice-prompt validator: after the third miss, give up with NO_ANSWER so the waterfall escalates. */
export async function stopAfterRetries(prompt: PromptValidatorContext<FoundChoice>): Promise<boolean> {
  if (prompt.recognized.succeeded) return true;
  if (prompt.attemptCount < MAX_ATTEMPTS) return false;
  prompt.recognized.value = { value: NO_ANSWER, index: -1, score: 0 };
  return true;
}

/** The prompt the user is answering, found at the bottom of the dialog stack, with its buttons. */
function waitingPrompt(dc: DialogContext): { choices: string[]; promptId?: string; isChoice: boolean } | undefined {
  let leaf = dc;
  while (leaf.child) leaf = leaf.child;
  const active = leaf.activeDialog;
  const options = active?.state?.options as PromptOptions | undefined;
  const prompt = options?.prompt && typeof options.prompt === 'object' ? replyOf(options.prompt) : undefined;
  if (!active || !prompt) return undefined;
  return { choices: (prompt.choices ?? []).map(choiceValue), promptId: prompt.promptId, isChoice: leaf.findDialog(active.id) instanceof ChoicePrompt };
}

async function restart(dc: DialogContext, options: MainOptions): Promise<DialogTurnResult> {
  dc.context.turnState.set(RESTART_KEY, options);
  return dc.cancelAllDialogs(true);
}

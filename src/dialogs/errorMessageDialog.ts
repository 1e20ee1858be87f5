import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import diceCoefficient from 'natural/lib/natural/distance/dice_coefficient';
import { replyActivity } from '../replies/activity';
import type { ErrorEntry } from '../knowledge/schema';
import { planFor } from '../knowledge/triage';
import { redactSecrets } from '../safety/secrets';
import { ANSWER_DIALOG, type AnswerOptions } from './answerDialog';
import { PHRASES } from './phrases';
import { ESCALATION_DIALOG, newPromptId, TEXT_PROMPT, TriageSteps } from './triageDialog';

export const ERROR_DIALOG = 'error-message';

interface ErrorOptions {
  /** The user said they did not know the message: the question is asked once more. */
  askedAgain?: boolean;
}
/** Buttons offered for the commonest messages; anything else can be pasted. */
const BUTTONS = 6;
const MAX_LABEL = 40;
/** Bigram overlap above which a pasted text is taken as the same message, typos and cut-offs included. */
const SIMILAR_MESSAGE = 0.5;
const MAX_KEPT_MESSAGE = 500;
/** Characters of a typed fragment that one message alone holds (和暦), below which it says too little. */
const MIN_FRAGMENT = 2;
/** A message says a few words of its own beyond filler (通信に失敗しました, ファイルが見つかりません); えっとですね does not. */
const MIN_MESSAGE_WORDS = 5;

/**
 * エラーメッセージ: asks for the message (buttons or pasted text), matches it against the error
 * catalogue tolerant of partial or pasted text, and answers; an unknown message is kept for the
 * hand-off and escalated.
 */
export class ErrorMessageDialog extends TriageSteps {
  private get errors(): ErrorEntry[] {
    return this.services.kb.entries.filter((e): e is ErrorEntry => e.kind === 'error');
  }

  /** Each message and its patterns in the synonym table's words, and its title too, taken once: the fallbacks compare every reply with them. */
  private canonicalForms?: Array<{ entry: ErrorEntry; fragments: string[]; all: string[] }>;
  private get forms() {
    const { analyzer } = this.services.router;
    this.canonicalForms ??= this.errors.map((entry) => {
      const fragments = [entry.message, ...entry.patterns].map((words) => analyzer.canonicalize(words));
      return { entry, fragments, all: [analyzer.canonicalize(entry.title), ...fragments].map((form) => form.replace(/ /g, '')) };
    });
    return this.canonicalForms;
  }

  dialogs(): Dialog[] {
    return [this.waterfall(ERROR_DIALOG, [this.askMessage, this.answer])];
  }

  private async askMessage(step: WaterfallStepContext) {
    await this.updateFacts(step.context, { topic: 'error' });
    const choices = this.buttons().map((label) => ({ label }));
    const again = (step.options as ErrorOptions | undefined)?.askedAgain;
    return step.prompt(TEXT_PROMPT, { prompt: replyActivity({ text: again ? [PHRASES.errorAskAgain, PHRASES.errorAsk] : [PHRASES.errorAsk], choices, promptId: newPromptId() }) });
  }

  private buttons(): string[] {
    return this.errors.slice(0, BUTTONS).map(buttonLabel);
  }

  private async answer(step: WaterfallStepContext) {
    const typed = String(step.result ?? '').trim();
    // "2" picks the second button, as everywhere else.
    const byNumber = /^\d{1,2}$/.test(typed) ? this.buttons()[Number(typed) - 1] : undefined;
    const text = byNumber ?? typed;
    const options = (step.options ?? {}) as ErrorOptions;
    const { reader } = this.services;
    // 「メッセージは控えておりません」 is about the message, not its text, whatever it shares with one.
    const notAtHand = reader.saysNotAtHand(text);
    const entry = notAtHand ? undefined : this.match(text);
    if (entry) {
      await this.updateFacts(step.context, { errorMessage: redactSecrets(text).slice(0, MAX_KEPT_MESSAGE) });
      return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: entry.id }] } satisfies AnswerOptions);
    }
    const reading = reader.read(text);
    // A question of the user's own (「貼り付けってどうやるんですか？」): answered where the guides can,
    // then the same question.
    if (reading.asks) {
      const plan = planFor(text, this.services.router, reader);
      const closest = plan.action === 'answer' ? plan.answers[0] : plan.action === 'unsure' ? plan.candidates[0] : undefined;
      if (closest) await this.showEntries(step.context, [{ entry: closest }]);
      await step.context.sendActivity(replyActivity({ text: [...(closest ? [] : [PHRASES.offTopic]), PHRASES.backToQuestion] }));
      return step.replaceDialog(ERROR_DIALOG, options);
    }
    // 「覚えてない」, 「えっとですね」, 「赤い字で何か出ました」, 「スクショしかない」: no message to keep yet. The question once
    // more, asking for any part of it, before the helpdesk.
    const noMessage = notAtHand || reader.admitsNotKnowing(text) || reading.residual < MIN_MESSAGE_WORDS;
    if (noMessage && !options.askedAgain) return step.replaceDialog(ERROR_DIALOG, { askedAgain: true } satisfies ErrorOptions);
    if (!noMessage) await this.updateFacts(step.context, { errorMessage: redactSecrets(text).slice(0, MAX_KEPT_MESSAGE) });
    await step.context.sendActivity(replyActivity({ text: [noMessage ? PHRASES.errorNotGiven : PHRASES.errorUnknown] }));
    return step.replaceDialog(ESCALATION_DIALOG, { reason: 'unknown-error' });
  }

  /** A button label, then the router (which knows the distinctive fragments), then plain bigram similarity, then a fragment one message alone holds. */
  private match(text: string): ErrorEntry | undefined {
    if (!text) return undefined;
    const clicked = this.errors.find((e) => buttonLabel(e) === text);
    if (clicked) return clicked;
    const route = this.services.router.route(text);
    const best = route.candidates[0];
    if (best && route.decision === 'answer' && best.entry.kind === 'error') return best.entry as ErrorEntry;
    const pasted = this.services.router.analyzer.canonicalize(text);
    let closest: { entry: ErrorEntry; score: number } | undefined;
    for (const { entry, fragments } of this.forms) {
      for (const fragment of fragments) {
        const score = diceCoefficient(pasted, fragment);
        if (score > (closest?.score ?? SIMILAR_MESSAGE)) closest = { entry, score };
      }
    }
    if (closest) return closest.entry;
    // A fragment typed from memory (和暦, 手数料の残高) that only one message holds.
    const fragment = pasted.replace(/ /g, '');
    // Kana alone is no fragment under four letters: はい, えっと are words, not a message's.
    if (fragment.length < MIN_FRAGMENT || (fragment.length < 4 && !/[\p{Script=Han}a-z]/u.test(fragment))) return undefined;
    const holding = this.forms.filter(({ all }) => all.some((form) => form.includes(fragment)));
    return holding.length === 1 ? holding[0]!.entry : undefined;
  }
}

function buttonLabel(entry: ErrorEntry): string {
  return entry.message.length <= MAX_LABEL ? entry.message : `${entry.message.slice(0, MAX_LABEL - 1)}…`;
}

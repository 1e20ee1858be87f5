import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { FaqEntry } from '../knowledge/schema';
import { ANSWER_DIALOG, type AnswerOptions } from './answerDialog';
import { PHRASES } from './phrases';
import { TriageSteps } from './triageDialog';

export const FAQ_DIALOG = 'faq';

/** よくある質問: pick Q1–Q5, see the answer. */
export class FaqDialog extends TriageSteps {
  private get faqs(): FaqEntry[] {
    return this.services.kb.entries.filter((e): e is FaqEntry => e.kind === 'faq');
  }

  dialogs(): Dialog[] {
    return [this.waterfall(FAQ_DIALOG, [this.askWhich, this.answer])];
  }

  private label(faq: FaqEntry): string {
    return `${faq.number} ${faq.title}`;
  }

  private async askWhich(step: WaterfallStepContext) {
    return this.ask(step, { text: [PHRASES.faqAsk] }, this.faqs.map((f) => this.label(f)));
  }

  private async answer(step: WaterfallStepContext) {
    const faq = this.faqs.find((f) => this.label(f) === step.result.value);
    return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: (faq ?? this.faqs[0]!).id }] } satisfies AnswerOptions);
  }
}

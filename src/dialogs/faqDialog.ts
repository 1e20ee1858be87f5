import type { WaterfallStepContext } from 'botbuilder-dialogs';
import type { FaqEntry } from '../knowledge/schema';
import { ANSWER_DIALOG, AnswerDialog, type AnswerOptions } from './answerDialog';
import { EscalationDialog } from './escalationDialog';
import { PHRASES } from './phrases';
import type { TriageServices } from './services';
import { TriageDialog } from './triageDialog';

export const FAQ_DIALOG = 'faq';

/** よくある質問: pick Q1–Q5, see the answer. */
export class FaqDialog extends TriageDialog {
  private readonly faqs: FaqEntry[];

  constructor(services: TriageServices) {
    super(FAQ_DIALOG, services);
    for (const Child of [AnswerDialog, EscalationDialog]) this.addDialog(new Child(services));
    this.faqs = services.kb.entries.filter((e): e is FaqEntry => e.kind === 'faq');
    this.addWaterfall('faq-steps', [this.askWhich.bind(this), this.answer.bind(this)]);
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

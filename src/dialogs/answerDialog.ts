import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../bot/replyActivity';
import { NO, PHRASES, YES } from './phrases';
import type { TriageServices } from './services';
import { EscalationDialog } from './escalationDialog';
import { ESCALATION_DIALOG, TriageDialog, type ShownEntry } from './triageDialog';

export const ANSWER_DIALOG = 'answer';

export interface AnswerOptions {
  items: Array<Omit<ShownEntry, 'entry'> & { id: string }>;
}

/** Shows guide entries (numbered steps, source), then asks 解決しましたか？; いいえ escalates. */
export class AnswerDialog extends TriageDialog {
  constructor(services: TriageServices) {
    super(ANSWER_DIALOG, services);
    this.addDialog(new EscalationDialog(services));
    this.addWaterfall('answer-steps', [this.show.bind(this), this.feedback.bind(this)]);
  }

  private async show(step: WaterfallStepContext) {
    const { items } = step.options as AnswerOptions;
    await this.showEntries(step.context, items.map((item) => ({ ...item, entry: this.entry(item.id) })));
    await this.services.lastAnswer?.set(step.context, { entryId: items[0]!.id, at: this.services.now().toISOString() });
    return this.ask(step, { text: [PHRASES.solvedQuestion] }, [YES, NO]);
  }

  private async feedback(step: WaterfallStepContext) {
    const { items } = step.options as AnswerOptions;
    const solved = step.result?.value === YES;
    const facts = await this.facts(step.context);
    facts.feedback.push({ entryId: items[0]!.id, solved });
    await this.services.facts.set(step.context, facts);
    await this.services.analytics?.feedback(step.context, items[0]!.id, solved);
    if (!solved) {
      await step.context.sendActivity(replyActivity({ text: [PHRASES.escalationUnsolved] }));
      return step.replaceDialog(ESCALATION_DIALOG, { reason: 'unsolved' });
    }
    await step.context.sendActivity(replyActivity({ text: [PHRASES.solvedThanks] }));
    return step.endDialog({ solved });
  }
}

import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../replies/activity';
import { PHRASES } from './phrases';
import { ESCALATION_DIALOG, TriageSteps, type ShownEntry } from './triageDialog';

export const ANSWER_DIALOG = 'answer';

export interface AnswerOptions {
  items: Array<Omit<ShownEntry, 'entry'> & { id: string }>;
}

/** Shows guide entries (numbered steps, source), then asks 解決しましたか？; いいえ escalates. */
export class AnswerDialog extends TriageSteps {
  dialogs(): Dialog[] {
    return [this.waterfall(ANSWER_DIALOG, [this.show, this.feedback])];
  }

  private async show(step: WaterfallStepContext) {
    const { items } = step.options as AnswerOptions;
    await this.showEntries(step.context, items.map((item) => ({ ...item, entry: this.entry(item.id) })));
    await this.services.lastAnswer?.set(step.context, { entryId: items[0]!.id, at: this.services.now().toISOString() });
    return this.askAbout(step, 'solved', { text: [PHRASES.solvedQuestion] });
  }

  private async feedback(step: WaterfallStepContext) {
    const { items } = step.options as AnswerOptions;
    const solved = (await this.answerOf(step, 'solved')) === 'yes';
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

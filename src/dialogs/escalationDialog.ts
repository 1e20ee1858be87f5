import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { HandoffReason } from '../handoff/ticket';
import { replyActivity } from '../replies/activity';
import { contactBlock, sourceLabel } from '../replies/knowledgeReplies';
import { PHRASES } from './phrases';
import { ESCALATION_DIALOG, TriageSteps } from './triageDialog';

export interface EscalationOptions {
  reason?: HandoffReason;
  /** Asked for the helpdesk's contact: show it and offer the hand-off rather than opening a ticket unasked. */
  offer?: boolean;
}

/**
 * When the bot cannot solve it: a person asked for, an unknown error message, answers that fit no
 * button, or a second いいえ to 解決しましたか？ hand the chat to the helpdesk straight away. After a
 * first いいえ, or when asked for the contact, the contact (phone open now or when next, in
 * Asia/Tokyo) is shown and a hand-off offered.
 */
export class EscalationDialog extends TriageSteps {
  dialogs(): Dialog[] {
    return [this.waterfall(ESCALATION_DIALOG, [this.escalate, this.afterOffer])];
  }

  /** Missing the hand-off offer three times is one more reason to hand off. */
  protected override async onNoAnswer(step: WaterfallStepContext) {
    await this.services.openHandoff(step.context, 'retries');
    return step.endDialog({ handedOff: true });
  }

  private reason(step: WaterfallStepContext): HandoffReason {
    return (step.options as EscalationOptions | undefined)?.reason ?? 'requested';
  }

  private async escalate(step: WaterfallStepContext) {
    const reason = this.reason(step);
    const offer = (step.options as EscalationOptions | undefined)?.offer === true;
    const unsolved = (await this.facts(step.context)).feedback.filter((f) => !f.solved).length;
    if (!offer && (reason !== 'unsolved' || unsolved >= 2)) {
      await this.services.openHandoff(step.context, reason);
      return step.endDialog({ handedOff: true });
    }
    const { kb, hours, now } = this.services;
    const contact = contactBlock(kb.contact, hours, now());
    await step.context.sendActivity(replyActivity({ title: this.entry('contact').title, text: [PHRASES.escalation], contact, source: sourceLabel(kb.contact.source) }));
    return this.askAbout(step, 'handoff', { text: [PHRASES.handoffOffer] });
  }

  private async afterOffer(step: WaterfallStepContext) {
    if ((await this.answerOf(step, 'handoff')) === 'yes') {
      await this.services.openHandoff(step.context, this.reason(step));
      return step.endDialog({ handedOff: true });
    }
    await step.context.sendActivity(replyActivity({ text: [PHRASES.handoffDeclined] }));
    return step.endDialog({ handedOff: false });
  }
}

import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../bot/replyActivity';
import { contactBlock, sourceLabel } from '../replies/knowledgeReplies';
import { PHRASES } from './phrases';
import type { TriageServices } from './services';
import { ESCALATION_DIALOG, TriageDialog } from './triageDialog';

export interface EscalationOptions {
  reason?: 'requested' | 'unsolved' | 'retries' | 'unknown-error';
}

/** The helpdesk contact, with whether the phone line is open now (Asia/Tokyo) and when it next opens. */
export class EscalationDialog extends TriageDialog {
  constructor(services: TriageServices) {
    super(ESCALATION_DIALOG, services);
    this.addWaterfall('escalation-steps', [this.showContact.bind(this)]);
  }

  private async showContact(step: WaterfallStepContext) {
    const { kb, hours, now } = this.services;
    await step.context.sendActivity(
      replyActivity({
        text: [PHRASES.escalation],
        contact: contactBlock(kb.contact, hours, now()),
        source: sourceLabel(kb.contact.source),
      }),
    );
    return step.endDialog({ escalated: true, reason: (step.options as EscalationOptions | undefined)?.reason ?? 'requested' });
  }
}

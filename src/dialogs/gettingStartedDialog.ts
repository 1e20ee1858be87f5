import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../replies/activity';
import { MENU, PHRASES } from './phrases';
import { ESCALATION_DIALOG, TriageSteps } from './triageDialog';

export const GETTING_STARTED_DIALOG = 'getting-started';

interface GettingStartedOptions {
  overviewShown?: boolean;
}

/** 利用開始までの流れ: the 7 steps with what to check at each; the user goes deeper on any, as often as needed. */
export class GettingStartedDialog extends TriageSteps {
  dialogs(): Dialog[] {
    return [this.waterfall(GETTING_STARTED_DIALOG, [this.askStep, this.showStep])];
  }

  /** The onboarding guide's 7 steps, in order; each has its own entry. */
  private steps(): string[] {
    return this.entry('onboarding-overview').flow;
  }

  private labels(): string[] {
    return this.steps().map((id, i) => `${i + 1}. ${this.entry(id).title}`);
  }

  private async askStep(step: WaterfallStepContext) {
    if (!(step.options as GettingStartedOptions | undefined)?.overviewShown) {
      await this.updateFacts(step.context, { topic: 'onboarding' });
      await this.showEntries(step.context, [{ entry: this.entry('onboarding-overview') }]);
    }
    return this.ask(step, { text: [PHRASES.gettingStartedDeeper] }, [...this.labels(), PHRASES.gettingStartedDone, MENU.human]);
  }

  private async showStep(step: WaterfallStepContext) {
    const choice = step.result.value as string;
    if (choice === MENU.human) return step.replaceDialog(ESCALATION_DIALOG, { reason: 'requested' });
    if (choice === PHRASES.gettingStartedDone) {
      const facts = await this.facts(step.context);
      facts.feedback.push({ entryId: 'onboarding-overview', solved: true });
      await this.services.facts.set(step.context, facts);
      await this.services.analytics?.feedback(step.context, 'onboarding-overview', true);
      await step.context.sendActivity(replyActivity({ text: [PHRASES.solvedThanks] }));
      return step.endDialog({ solved: true });
    }
    const id = this.steps()[this.labels().indexOf(choice)];
    if (id) await this.showEntries(step.context, [{ entry: this.entry(id) }]);
    return step.replaceDialog(GETTING_STARTED_DIALOG, { overviewShown: true } satisfies GettingStartedOptions);
  }
}

import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { ANSWER_DIALOG, type AnswerOptions } from './answerDialog';
import { PHRASES } from './phrases';
import { TriageSteps } from './triageDialog';

export const ID_DIALOG = 'id';

interface IdOptions {
  /** The two IDs were just explained: "which ID?" is asked even though the user said they do not know. */
  explained?: boolean;
}

/**
 * ID・パスワード: which ID (KJ… or c…, or a typed ID whose form is checked), then for the KJ ID the
 * situation: unknown → セキュリティ用メールアドレス registered? (immediate reset / postal reissue);
 * expired or temporary password → FAQ Q2. The c… ID → where the 利用状況WEBサイト shows it.
 * A question whose fact the user already gave is skipped. Never asks for a password.
 */
export class IdDialog extends TriageSteps {
  dialogs(): Dialog[] {
    return [this.waterfall(ID_DIALOG, [this.askWhichId, this.askStatus, this.askSecurityMail, this.answerReset])];
  }

  private async askWhichId(step: WaterfallStepContext) {
    await this.updateFacts(step.context, { topic: 'id' });
    // A user who said they do not know which ID gets the two explained first, then the question.
    const explained = (step.options as IdOptions | undefined)?.explained === true;
    return this.askUnlessKnown(step, 'idType', { text: [PHRASES.idWhich] }, (type) => type !== 'unknown' || !explained);
  }

  private async askStatus(step: WaterfallStepContext) {
    const type = await this.answerOf(step, 'idType');
    if (type === 'c') return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'onboarding-c-id' }] } satisfies AnswerOptions);
    if (type === 'unknown') {
      await this.showEntries(step.context, [{ entry: this.entry('onboarding-start'), lead: [PHRASES.idBothExplained] }]);
      return step.replaceDialog(ID_DIALOG, { explained: true } satisfies IdOptions);
    }
    return this.askUnlessKnown(step, 'idStatus', { text: [PHRASES.idStatus] });
  }

  private async askSecurityMail(step: WaterfallStepContext) {
    if (await this.otherIdTold(step)) return step.replaceDialog(ID_DIALOG);
    if ((await this.answerOf(step, 'idStatus')) !== 'lost') return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'faq-q2' }] } satisfies AnswerOptions);
    return this.askUnlessKnown(step, 'securityMail', { text: [PHRASES.idSecurityMail] });
  }

  private async answerReset(step: WaterfallStepContext) {
    if (await this.otherIdTold(step)) return step.replaceDialog(ID_DIALOG);
    const registered = (await this.answerOf(step, 'securityMail')) === 'yes';
    const situation = registered ? 'security-mail-registered' : 'security-mail-unregistered';
    return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'kj-id-reset', situation }] } satisfies AnswerOptions);
  }

  /** The user took the KJ ID back since (あ、ちがう、cから始まるやつだった): the triage goes again from which ID. */
  private async otherIdTold(step: WaterfallStepContext): Promise<boolean> {
    // Not a later "which one, I don't know" (どれがどれだか): the KJ ID stays what the user chose.
    return (await this.facts(step.context)).idType === 'c';
  }
}

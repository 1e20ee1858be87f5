import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../bot/replyActivity';
import { ANSWER_DIALOG, AnswerDialog, type AnswerOptions } from './answerDialog';
import { EscalationDialog } from './escalationDialog';
import { ID_DIALOG, IdDialog, type IdOptions } from './idDialog';
import { CHOICES, PHRASES } from './phrases';
import type { TriageServices } from './services';
import { TriageDialog } from './triageDialog';

export const CERTIFICATE_DIALOG = 'certificate';

export interface CertificateOptions {
  /** Asked about the whole procedure: its steps come first, then the questions that find the user's place in it. */
  showOverview?: boolean;
}
const HISTORY_LOOP = 'certificate-history';

/**
 * 電子証明書のインストール: 証明書発行用パスワード at hand (else section 4, which needs a KJ login),
 * KJ login (else the ID dialog), 介護保険証明書の発行履歴 (あり → 3-2, なし → 3-1, わからない → section 2
 * and ask again, 代理請求 → FAQ Q5 and 3-1), then the install check (参考) and FAQ Q4's one-per-事業所番号 note.
 */
export class CertificateDialog extends TriageDialog {
  constructor(services: TriageServices) {
    super(CERTIFICATE_DIALOG, services);
    for (const Child of [AnswerDialog, EscalationDialog, IdDialog]) this.addDialog(new Child(services));
    this.addWaterfall('certificate-steps', [
      this.askPassword.bind(this),
      this.askLogin.bind(this),
      this.checkLogin.bind(this),
      this.answer.bind(this),
    ]);
    this.addWaterfall(HISTORY_LOOP, [this.askHistory.bind(this), this.checkHistory.bind(this)]);
  }

  private async askPassword(step: WaterfallStepContext) {
    await this.updateFacts(step.context, { topic: 'certificate' });
    if ((step.options as CertificateOptions | undefined)?.showOverview) await this.showEntries(step.context, [{ entry: this.entry('cert-overview') }]);
    const { have, missing } = CHOICES.certPassword;
    return this.ask(step, { text: [PHRASES.certPassword] }, [have, missing]);
  }

  private async askLogin(step: WaterfallStepContext) {
    const missing = step.result.value === CHOICES.certPassword.missing;
    await this.updateFacts(step.context, { certificatePassword: missing ? 'わからない' : 'あり' });
    if (missing) await this.showEntries(step.context, [{ entry: this.entry('cert-password-reissue'), lead: [PHRASES.certLoginNeededForReissue] }]);
    return this.ask(step, { text: [PHRASES.certLogin] }, [CHOICES.login.yes, CHOICES.login.no]);
  }

  private async checkLogin(step: WaterfallStepContext) {
    const canLogIn = step.result.value === CHOICES.login.yes;
    await this.updateFacts(step.context, { kjLogin: canLogIn ? 'できる' : 'できない' });
    if (!canLogIn) {
      await step.context.sendActivity(replyActivity({ text: [PHRASES.certLoginFailed] }));
      return step.replaceDialog(ID_DIALOG, { idType: 'kj' } satisfies IdOptions);
    }
    return step.beginDialog(HISTORY_LOOP);
  }

  private async answer(step: WaterfallStepContext) {
    const history = step.result as string;
    const oneCertificatePerOffice = this.entry('faq-q4');
    const oneCertificateNote = oneCertificatePerOffice.kind === 'faq' ? [oneCertificatePerOffice.answer] : [];
    const install = (id: string) => ({ id, notes: oneCertificateNote });
    const verify = { id: 'cert-verify', lead: [PHRASES.certAfterInstall] };
    const items: AnswerOptions['items'] =
      history === CHOICES.history.yes
        ? [install('cert-install-hoken'), verify]
        : history === CHOICES.history.proxy
          ? [{ id: 'faq-q5' }, install('cert-install-dx'), verify]
          : [install('cert-install-dx'), verify];
    return step.replaceDialog(ANSWER_DIALOG, { items } satisfies AnswerOptions);
  }

  private async askHistory(step: WaterfallStepContext) {
    const { yes, no, unknown, proxy } = CHOICES.history;
    return this.ask(step, { text: [PHRASES.certHistory] }, [yes, no, unknown, proxy]);
  }

  private async checkHistory(step: WaterfallStepContext) {
    const choice = step.result.value as string;
    const { yes, no, unknown } = CHOICES.history;
    await this.updateFacts(step.context, { certificateHistory: choice === yes ? 'あり' : choice === no ? 'なし' : choice === unknown ? 'わからない' : '代理請求' });
    if (choice === unknown) {
      await this.showEntries(step.context, [{ entry: this.entry('cert-history-check'), lead: [PHRASES.certHistoryHowTo] }]);
      return step.replaceDialog(HISTORY_LOOP);
    }
    return step.endDialog(choice);
  }
}

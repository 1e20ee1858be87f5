import type { Dialog, WaterfallStepContext } from 'botbuilder-dialogs';
import type { ValueOf } from '../knowledge/factTable';
import { replyActivity } from '../replies/activity';
import { ANSWER_DIALOG, type AnswerOptions } from './answerDialog';
import { ID_DIALOG } from './idDialog';
import { PHRASES } from './phrases';
import { TriageSteps } from './triageDialog';
import type { TriageFacts } from './triageFacts';

export const CERTIFICATE_DIALOG = 'certificate';
const HISTORY_LOOP = 'certificate-history';

export interface CertificateOptions {
  /** Asked about the whole procedure: its steps come first, then the questions that find the user's place in it. */
  showOverview?: boolean;
}
interface HistoryOptions {
  /** Section 2 was just shown for a わからない: do not show it again before asking. */
  checkShown?: boolean;
}
/** Which certificate to install: the 発行履歴 decides (あり → 3-2, なし → 3-1, 代理請求 → FAQ Q5 and 3-1). */
type Branch = Exclude<ValueOf<'certificateHistory'>, 'unknown'>;
const BRANCHES: readonly Branch[] = ['yes', 'no', 'proxy'];

/**
 * 電子証明書のインストール. When the 発行履歴 is already known (or the user named the certificate to
 * install) the answer comes at once. Otherwise: 証明書発行用パスワード at hand (else section 4, which
 * needs a KJ login), KJ login (else the ID triage), 発行履歴 (わからない → section 2, asked again),
 * then the install procedure, the install check (参考) and FAQ Q4's one-per-事業所番号 note. A question
 * whose fact the user already gave is skipped.
 */
export class CertificateDialog extends TriageSteps {
  dialogs(): Dialog[] {
    return [
      this.waterfall(CERTIFICATE_DIALOG, [this.start, this.askLogin, this.checkLogin, this.answer]),
      this.waterfall(HISTORY_LOOP, [this.askHistory, this.checkHistory]),
    ];
  }

  private async start(step: WaterfallStepContext) {
    await this.updateFacts(step.context, { topic: 'certificate' });
    if ((step.options as CertificateOptions | undefined)?.showOverview) await this.showOnce(step.context, { entry: this.entry('cert-overview') });
    const branch = branchOf(await this.facts(step.context));
    if (branch) return this.install(step, branch);
    return this.askUnlessKnown(step, 'certificatePassword', { text: [PHRASES.certPassword] });
  }

  private async askLogin(step: WaterfallStepContext) {
    if ((await this.answerOf(step, 'certificatePassword')) === 'no') {
      await this.showOnce(step.context, { entry: this.entry('cert-password-reissue'), lead: [PHRASES.certLoginNeededForReissue] });
    }
    return this.askUnlessKnown(step, 'kjLogin', { text: [PHRASES.certLogin] });
  }

  private async checkLogin(step: WaterfallStepContext) {
    if ((await this.answerOf(step, 'kjLogin')) === 'no') {
      await step.context.sendActivity(replyActivity({ text: [PHRASES.certLoginFailed] }));
      // The login in question is the KJ ID's: the ID triage goes straight to what is wrong with it. It
      // runs inside this one, so that a login told to work after all (別のIDで試してました) comes back here.
      await this.updateFacts(step.context, { idType: 'kj' });
      return step.beginDialog(ID_DIALOG);
    }
    return step.beginDialog(HISTORY_LOOP);
  }

  private async answer(step: WaterfallStepContext) {
    // Back from the ID triage: its answer was this one's.
    if (!BRANCHES.includes(step.result as Branch)) return step.endDialog(step.result);
    return this.install(step, step.result as Branch);
  }

  private async install(step: WaterfallStepContext, branch: Branch) {
    const oneCertificatePerOffice = this.entry('faq-q4');
    const oneCertificateNote = oneCertificatePerOffice.kind === 'faq' ? [oneCertificatePerOffice.answer] : [];
    const install = (id: string) => ({ id, notes: oneCertificateNote });
    const verify = { id: 'cert-verify', lead: [PHRASES.certAfterInstall] };
    const items: AnswerOptions['items'] =
      branch === 'yes' ? [install('cert-install-hoken'), verify] : branch === 'proxy' ? [{ id: 'faq-q5' }, install('cert-install-dx'), verify] : [install('cert-install-dx'), verify];
    return step.replaceDialog(ANSWER_DIALOG, { items } satisfies AnswerOptions);
  }

  private async askHistory(step: WaterfallStepContext) {
    const facts = await this.facts(step.context);
    // わからない said before the question: how to look it up comes first, then the question.
    if (facts.certificateHistory === 'unknown' && !(step.options as HistoryOptions | undefined)?.checkShown) {
      await this.showOnce(step.context, { entry: this.entry('cert-history-check'), lead: [PHRASES.certHistoryHowTo] });
    }
    return this.askUnlessKnown(step, 'certificateHistory', { text: [PHRASES.certHistory] }, (value) => value !== 'unknown');
  }

  private async checkHistory(step: WaterfallStepContext) {
    const history = await this.answerOf(step, 'certificateHistory');
    if (history === 'unknown') {
      await this.showEntries(step.context, [{ entry: this.entry('cert-history-check'), lead: [PHRASES.certHistoryHowTo] }]);
      return step.replaceDialog(HISTORY_LOOP, { checkShown: true } satisfies HistoryOptions);
    }
    return step.endDialog(history);
  }
}

/** The install branch the facts already decide: the 発行履歴, else the certificate the user named. */
function branchOf(facts: TriageFacts): Branch | undefined {
  const { certificateHistory: history, certificateKind: kind } = facts;
  if (history && history !== 'unknown') return history;
  return kind === 'dx' ? 'no' : kind === 'hoken' ? 'yes' : undefined;
}

import { ChoicePrompt, type FoundChoice, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../bot/replyActivity';
import { checkKjId, looksLikeKjId } from '../helpdesk/kjId';
import { ANSWER_DIALOG, AnswerDialog, type AnswerOptions } from './answerDialog';
import { EscalationDialog } from './escalationDialog';
import { CHOICES, PHRASES } from './phrases';
import type { TriageServices } from './services';
import { choicePromptOptions, stopAfterRetries, TriageDialog } from './triageDialog';

export const ID_DIALOG = 'id';
const ID_TYPE_PROMPT = 'id-type-prompt';

export interface IdOptions {
  /** Skip the first question when the caller already knows which ID is concerned. */
  idType?: 'kj';
}

/**
 * ID・パスワード: which ID (KJ… or c…, or a typed ID whose form is checked), then for the KJ ID the
 * situation: unknown → セキュリティ用メールアドレス registered? (immediate reset / postal reissue);
 * expired or temporary password → FAQ Q2. The c… ID → where the 利用状況WEBサイト shows it.
 * Never asks for a password.
 */
export class IdDialog extends TriageDialog {
  constructor(services: TriageServices) {
    super(ID_DIALOG, services);
    for (const Child of [AnswerDialog, EscalationDialog]) this.addDialog(new Child(services));
    this.addDialog(new ChoicePrompt(ID_TYPE_PROMPT, checkTypedId, 'ja-jp'));
    this.addWaterfall('id-steps', [
      this.askWhichId.bind(this),
      this.askStatus.bind(this),
      this.askSecurityMail.bind(this),
      this.answerReset.bind(this),
    ]);
  }

  private async askWhichId(step: WaterfallStepContext) {
    await this.updateFacts(step.context, { topic: 'id' });
    if ((step.options as IdOptions | undefined)?.idType === 'kj') return step.next({ value: CHOICES.idType.kj });
    const { kj, c, unknown } = CHOICES.idType;
    return step.prompt(ID_TYPE_PROMPT, choicePromptOptions({ text: [PHRASES.idWhich] }, [kj, c, unknown]));
  }

  private async askStatus(step: WaterfallStepContext) {
    const { kj, c } = CHOICES.idType;
    const type = step.result.value as string;
    await this.updateFacts(step.context, { idType: type === kj ? '事業所ユーザID（KJ）' : type === c ? '個人ユーザID（c）' : 'わからない' });
    if (type === c) return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'onboarding-c-id' }] } satisfies AnswerOptions);
    if (type !== kj) {
      await this.showEntries(step.context, [{ entry: this.entry('onboarding-start'), lead: [PHRASES.idBothExplained] }]);
      return step.replaceDialog(this.initialDialogId!);
    }
    const { lost, expired, temporary } = CHOICES.idStatus;
    return this.ask(step, { text: [PHRASES.idStatus] }, [lost, expired, temporary]);
  }

  private async askSecurityMail(step: WaterfallStepContext) {
    const lost = step.result.value === CHOICES.idStatus.lost;
    await this.updateFacts(step.context, { idStatus: lost ? 'ID・パスワード不明' : 'パスワード有効期限切れ・仮パスワード' });
    if (!lost) return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'faq-q2' }] } satisfies AnswerOptions);
    const { yes, no, unknown } = CHOICES.securityMail;
    return this.ask(step, { text: [PHRASES.idSecurityMail] }, [yes, no, unknown]);
  }

  private async answerReset(step: WaterfallStepContext) {
    const choice = step.result.value as string;
    const { yes, no } = CHOICES.securityMail;
    const registered = choice === yes;
    await this.updateFacts(step.context, { securityMail: registered ? '登録済' : choice === no ? '未登録' : 'わからない' });
    const situation = registered ? 'security-mail-registered' : 'security-mail-unregistered';
    return step.replaceDialog(ANSWER_DIALOG, { items: [{ id: 'kj-id-reset', situation }] } satisfies AnswerOptions);
  }
}

/** Accepts a button or label; a typed KJ ID is checked and, when well-formed, counts as the KJ choice. */
async function checkTypedId(prompt: PromptValidatorContext<FoundChoice>): Promise<boolean> {
  if (prompt.recognized.succeeded) return true;
  const text = prompt.context.activity.text ?? '';
  if (looksLikeKjId(text)) {
    const check = checkKjId(text);
    if (check.ok) {
      await prompt.context.sendActivity(replyActivity({ text: [PHRASES.kjIdValid(check.id)] }));
      prompt.recognized.value = { value: CHOICES.idType.kj, index: 0, score: 1 };
      return true;
    }
    await prompt.context.sendActivity(replyActivity({ text: [PHRASES.kjIdInvalid(check.problem)] }));
    // Having replied, botbuilder would skip its retry prompt this turn: ask again ourselves.
    if (prompt.attemptCount < 3 && prompt.options.prompt) await prompt.context.sendActivity(prompt.options.prompt);
  }
  return stopAfterRetries(prompt);
}

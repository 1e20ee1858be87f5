import type { TurnContext } from 'botbuilder';
import { recognizeChoices, type WaterfallStepContext } from 'botbuilder-dialogs';
import { replyActivity } from '../bot/replyActivity';
import type { Entry } from '../knowledge/schema';
import { redactSecrets } from '../safety/secrets';
import { ANSWER_DIALOG, AnswerDialog, type AnswerOptions } from './answerDialog';
import { CERTIFICATE_DIALOG, CertificateDialog, type CertificateOptions } from './certificateDialog';
import { ERROR_DIALOG, ErrorMessageDialog } from './errorMessageDialog';
import { EscalationDialog, type EscalationOptions } from './escalationDialog';
import { FAQ_DIALOG, FaqDialog } from './faqDialog';
import { GETTING_STARTED_DIALOG, GettingStartedDialog } from './gettingStartedDialog';
import { ID_DIALOG, IdDialog } from './idDialog';
import { MENU, OTHER, PHRASES } from './phrases';
import type { TriageServices } from './services';
import { commandOf } from './commands';
import { ESCALATION_DIALOG, newPromptId, TEXT_PROMPT, TriageDialog, type MainOptions, type MainStart } from './triageDialog';

export const MAIN_DIALOG = 'main';
const QUESTION = 'main-question';

const DIALOG_OF: Record<Exclude<MainStart, 'menu'>, string> = {
  certificate: CERTIFICATE_DIALOG,
  id: ID_DIALOG,
  error: ERROR_DIALOG,
  gettingStarted: GETTING_STARTED_DIALOG,
  faq: FAQ_DIALOG,
  escalation: ESCALATION_DIALOG,
};
const MENU_DIALOGS: Array<[label: string, dialogId: string]> = [
  [MENU.certificate, CERTIFICATE_DIALOG],
  [MENU.id, ID_DIALOG],
  [MENU.error, ERROR_DIALOG],
  [MENU.gettingStarted, GETTING_STARTED_DIALOG],
  [MENU.faq, FAQ_DIALOG],
  [MENU.human, ESCALATION_DIALOG],
];
/** Entries that open a guided dialog (with these options) instead of being answered in one message. */
const ENTRY_DIALOGS: Record<string, [dialogId: string, options?: CertificateOptions | EscalationOptions]> = {
  'cert-overview': [CERTIFICATE_DIALOG, { showOverview: true }],
  'onboarding-overview': [GETTING_STARTED_DIALOG],
  contact: [ESCALATION_DIALOG, { reason: 'requested', offer: true }],
};
/** A returning user is offered their last answer for this long. */
const LAST_ANSWER_OFFERED_MS = 30 * 24 * 60 * 60 * 1000;
const GREETING = /^(こんにちは|こんばんは|おはよう(ございます)?|はじめまして|お疲れ様です|おつかれさまです|よろしくお願いします|hello|hi|hey|すみません)[!！。.、\s]*$/i;

/**
 * The menu, and free text at any time: a question is routed to the right dialog or answered from
 * the guides; when the router is unsure its candidates come as buttons plus その他.
 */
export class MainDialog extends TriageDialog {
  constructor(services: TriageServices) {
    super(MAIN_DIALOG, services);
    this.addWaterfall('main-menu', [this.start.bind(this), this.dispatch.bind(this)]);
    this.addWaterfall(QUESTION, [this.route.bind(this), this.chooseCandidate.bind(this)]);
    for (const dialog of [AnswerDialog, EscalationDialog, CertificateDialog, IdDialog, ErrorMessageDialog, GettingStartedDialog, FaqDialog]) {
      this.addDialog(new dialog(services));
    }
  }

  private async start(step: WaterfallStepContext) {
    const options = (step.options ?? {}) as MainOptions;
    if (options.start && options.start !== 'menu') return step.replaceDialog(DIALOG_OF[options.start]);
    const utterance = options.utterance?.trim() ?? '';
    // The first message of a conversation, or the first after one ended: commands work here too.
    const command = commandOf(utterance);
    if (command === 'cancel') {
      await step.context.sendActivity(replyActivity({ text: [PHRASES.cancelled] }));
      return step.endDialog();
    }
    if (command === 'human') return step.replaceDialog(ESCALATION_DIALOG, { reason: 'requested' });
    if (utterance && !command && !GREETING.test(utterance)) return this.dispatchText(step, utterance);
    const welcome = !command && options.start !== 'menu';
    const last = welcome ? await this.lastAnswer(step.context) : undefined;
    const text = command === 'help' ? [...PHRASES.help, PHRASES.menu] : welcome ? [PHRASES.welcome, ...(last ? [last.line] : []), PHRASES.menu] : [PHRASES.menu];
    const choices = [...MENU_DIALOGS.map(([label]) => label), ...(last ? [last.entry.title] : [])].map((label) => ({ label }));
    return step.prompt(TEXT_PROMPT, { prompt: replyActivity({ text, choices, promptId: newPromptId() }) });
  }

  /**
   * The user's last answer (user state), when recent and given in another conversation (this one's
   * history shows it already): a line saying so, and its entry for a button.
   */
  private async lastAnswer(context: TurnContext): Promise<{ entry: Entry; line: string } | undefined> {
    const last = await this.services.lastAnswer?.get(context);
    const entry = last && this.services.kb.byId.get(last.entryId);
    const at = new Date(last?.at ?? NaN);
    const age = this.services.now().getTime() - at.getTime();
    if (!entry || !(age >= 0 && age <= LAST_ANSWER_OFFERED_MS)) return undefined;
    if ((await this.facts(context)).shownEntries.includes(entry.id)) return undefined;
    const date = new Intl.DateTimeFormat('ja-JP', { timeZone: this.services.kb.contact.hours.timeZone, month: 'long', day: 'numeric' }).format(at);
    return { entry, line: PHRASES.lastAnswer(date, entry.title) };
  }

  private async dispatch(step: WaterfallStepContext) {
    return this.dispatchText(step, String(step.result ?? '').trim());
  }

  /** A menu label (or its number) opens that dialog, a greeting shows the menu; anything else is a question. */
  private async dispatchText(step: WaterfallStepContext, text: string) {
    if (!text || GREETING.test(text)) return step.replaceDialog('main-menu', { start: 'menu' } satisfies MainOptions);
    await this.services.analytics?.asked(step.context);
    // Only the whole text picks: "2" or a label, not the 3 of "3事業所あるけど…".
    const [picked] = recognizeChoices(text, MENU_DIALOGS.map(([label]) => label));
    if (picked && picked.resolution.score >= 1 && picked.start === 0 && picked.end === text.length - 1) return step.replaceDialog(MENU_DIALOGS[picked.resolution.index]![1]);
    // An entry's title (the button of a returning user's last answer) opens that entry.
    const titled = this.services.kb.entries.find((e) => e.title === text);
    if (titled) return this.open(step, titled);
    return step.replaceDialog(QUESTION, { text });
  }

  private async route(step: WaterfallStepContext) {
    const { text } = step.options as { text: string };
    const { decision, candidates, answers } = this.services.router.route(text);
    await this.services.analytics?.routed(step.context, decision, text);
    if (decision === 'answer') return this.open(step, answers[0]!.entry, ...answers.slice(1).map((a) => a.entry));
    if (decision === 'unsure') {
      const labels = candidates.map((c) => c.entry.title);
      return this.ask(step, { text: [PHRASES.unsure] }, [...labels, OTHER]);
    }
    const facts = await this.facts(step.context);
    facts.unanswered.push(redactSecrets(text).slice(0, 200));
    await this.services.facts.set(step.context, facts);
    await step.context.sendActivity(replyActivity({ text: [PHRASES.offTopic] }));
    return step.replaceDialog('main-menu', { start: 'menu' } satisfies MainOptions);
  }

  private async chooseCandidate(step: WaterfallStepContext) {
    const entry = this.services.kb.entries.find((e) => e.title === step.result.value);
    if (entry) return this.open(step, entry);
    await this.services.analytics?.unanswered(step.context, (step.options as { text: string }).text);
    await step.context.sendActivity(replyActivity({ text: [PHRASES.otherChosen] }));
    return step.replaceDialog('main-menu', { start: 'menu' } satisfies MainOptions);
  }

  /** Answers with the entry, and the companions the router found (unless the entry opens a dialog, or they would). */
  private async open(step: WaterfallStepContext, entry: Entry, ...companions: Entry[]) {
    await this.updateFacts(step.context, { topic: entry.topic });
    const dialog = ENTRY_DIALOGS[entry.id];
    if (dialog) return step.replaceDialog(...dialog);
    const shown = [entry, ...companions.filter((c) => !ENTRY_DIALOGS[c.id])];
    const items = shown.map((e, i) => ({ id: e.id, ...(i === 0 && shown.length > 1 ? { lead: [PHRASES.twoAnswers] } : {}) }));
    return step.replaceDialog(ANSWER_DIALOG, { items } satisfies AnswerOptions);
  }
}

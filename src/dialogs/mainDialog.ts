import type { TurnContext } from 'botbuilder';
import {
  ChoicePrompt,
  ComponentDialog,
  Dialog,
  recognizeChoices,
  TextPrompt,
  type DialogContext,
  type DialogTurnResult,
  type PromptOptions,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { withoutRequest } from '../knowledge/clauseGrammar';
import type { Reading } from '../knowledge/facts';
import { FACT_SLOTS, saidOf, valueOfLabel, type FactSlot, type Facts, type Slot } from '../knowledge/factTable';
import type { Entry, Topic } from '../knowledge/schema';
import { planFor } from '../knowledge/triage';
import { replyActivity, replyOf } from '../replies/activity';
import { choiceValue } from '../replies/model';
import { redactSecrets } from '../safety/secrets';
import { ANSWER_DIALOG, AnswerDialog, type AnswerOptions } from './answerDialog';
import { CERTIFICATE_DIALOG, CertificateDialog, type CertificateOptions } from './certificateDialog';
import { clickedPromptId, commandOf } from './commands';
import { ERROR_DIALOG, ErrorMessageDialog } from './errorMessageDialog';
import { EscalationDialog, type EscalationOptions } from './escalationDialog';
import { FAQ_DIALOG, FaqDialog } from './faqDialog';
import { GETTING_STARTED_DIALOG, GettingStartedDialog } from './gettingStartedDialog';
import { ID_DIALOG, IdDialog } from './idDialog';
import { looksLikeKjId } from '../helpdesk/kjId';
import { MENU, OTHER, PHRASES } from './phrases';
import type { TriageServices } from './services';
import {
  CHOICE_PROMPT,
  ESCALATION_DIALOG,
  isFactSlot,
  namedLabel,
  newPromptId,
  TEXT_PROMPT,
  TriageChoicePrompt,
  TriageSteps,
  type MainOptions,
  type MainStart,
  type QuestionValidations,
  withoutEcho,
} from './triageDialog';

export const MAIN_DIALOG = 'main';
const MENU_DIALOG = 'main-menu';
const QUESTION = 'main-question';

const DIALOG_OF: Record<Exclude<MainStart, 'menu'>, string> = {
  certificate: CERTIFICATE_DIALOG,
  id: ID_DIALOG,
  error: ERROR_DIALOG,
  gettingStarted: GETTING_STARTED_DIALOG,
  faq: FAQ_DIALOG,
  escalation: ESCALATION_DIALOG,
};
/** The guided triage of each topic a vague message names. */
const TRIAGE_OF: Record<Topic, string> = {
  certificate: CERTIFICATE_DIALOG,
  id: ID_DIALOG,
  error: ERROR_DIALOG,
  onboarding: GETTING_STARTED_DIALOG,
  contact: ESCALATION_DIALOG,
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
/** 「12月3日」 in a time zone; one formatter per zone, as building one costs far more than using it. */
const monthDayFormatters = new Map<string, Intl.DateTimeFormat>();
function monthDay(at: Date, timeZone: string): string {
  let formatter = monthDayFormatters.get(timeZone);
  if (!formatter) monthDayFormatters.set(timeZone, (formatter = new Intl.DateTimeFormat('ja-JP', { timeZone, month: 'long', day: 'numeric' })));
  return formatter.format(at);
}
const GREETING = /^(こんにちは|こんばんは|おはよう(ございます)?|はじめまして|お疲れ様です|おつかれさまです|よろしくお願いします|hello|hi|hey|すみません)[!！。.、\s]*$/i;

/**
 * The whole triage as one component: the menu, every topic's waterfalls and the two prompts, each
 * registered once, and the one place where a message is checked before the waiting step sees it
 * (as the Bot Framework core-bot sample's CancelAndHelpDialog does): commands (最初から, キャンセル,
 * ヘルプ, 担当者), clicks on old cards, typed answers read for the waiting question, facts given
 * along the way, and a question asked in between (answered, then the same question again).
 */
export class MainDialog extends ComponentDialog {
  private readonly steps: MainSteps;

  constructor(private readonly services: TriageServices) {
    super(MAIN_DIALOG);
    this.steps = new MainSteps(services, this);
    this.addDialog(new TriageChoicePrompt(CHOICE_PROMPT, services.reader, 'ja-jp'));
    this.addDialog(new TextPrompt(TEXT_PROMPT));
    for (const part of [this.steps, ...[AnswerDialog, EscalationDialog, CertificateDialog, IdDialog, ErrorMessageDialog, GettingStartedDialog, FaqDialog].map((P) => new P(services))]) {
      for (const dialog of part.dialogs()) this.addDialog(dialog);
    }
    this.initialDialogId = MENU_DIALOG;
  }

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async interrupt(dc: DialogContext): Promise<DialogTurnResult | undefined> {
    const { context } = dc;
    if (context.activity.type !== 'message') return undefined;
    const text = (context.activity.text ?? '').trim();
    const askAgain = async (...paragraphs: string[]) => {
      if (paragraphs.length) await context.sendActivity(replyActivity({ text: paragraphs }));
      await dc.repromptDialog();
      return Dialog.EndOfTurn;
    };
    // Nothing said (an empty message, or one the secret guard emptied after its warning): the same
    // question again, not counted as a miss.
    if (!text) return askAgain();
    const command = commandOf(text);
    if (command === 'help') return askAgain(...PHRASES.help);
    if (command === 'cancel') {
      await this.forgetFacts(context);
      await context.sendActivity(replyActivity({ text: [PHRASES.cancelled] }));
      return dc.cancelAllDialogs();
    }
    if (command === 'restart') {
      await this.forgetFacts(context);
      return this.restartAt(dc, MENU_DIALOG, { start: 'menu' } satisfies MainOptions);
    }
    if (command === 'human') return this.restartAt(dc, ESCALATION_DIALOG, { reason: 'requested' } satisfies EscalationOptions);

    const waiting = waitingPrompt(dc);
    if (!waiting) return undefined;
    const clicked = clickedPromptId(context.activity);
    if (clicked !== undefined && clicked !== waiting.promptId) return askAgain(PHRASES.staleClick);
    if (clicked !== undefined || !waiting.isChoice) return undefined;

    const { reader, router } = this.services;
    if (waiting.slot) {
      const answer = reader.answer(waiting.slot, text);
      const fresh = await this.takeFacts(context, answer.reading, waiting.slot);
      // An ID typed for "which ID?" is the prompt's to check (its form is explained when wrong); what
      // else the message told (KJ1312… これです。PWが期限切れ) is kept above.
      if (waiting.slot === 'idType' && looksLikeKjId(text)) return undefined;
      // The answer to the waiting question: the prompt takes it, the step keeps it. (Not 解決しましたか？
      // answered with news, あ、ありました！…ログインできます: the facts changed, so does the answer, below.)
      const news = fresh.length > 0 && waiting.slot === 'solved' && answer.value === 'yes' && !answer.reading.asks;
      if ((answer.value !== undefined && !news) || waiting.choices.includes(text)) return undefined;
      if (answer.candidates.length > 1) {
        const labels = answer.candidates.map((value) => waiting.choices[waiting.values.indexOf(value)] ?? value);
        return askAgain(PHRASES.ambiguous(labels));
      }
      // Facts for later questions ("履歴はなかったです" asked about the password): the topic's steps
      // run again from the start, skipping what is now known, so the user lands on the first open question.
      // A question of the user's own is answered first (below), whatever facts it also told.
      if (fresh.length > 0 && !answer.reading.asks) {
        if (isFactSlot(waiting.slot)) return this.replan(dc);
        // Facts told after an answer (あ、やっぱり履歴ありました; IDはcから始まるほうでした): their topic's
        // triage runs again with them, and gives the answer that fits now; the conversation's own triage
        // when it asks one of them (…ログインもできます, after a certificate answer: still the certificate's).
        const { topic: current } = await this.services.facts.get(context, { shownEntries: [], feedback: [], unanswered: [] });
        const askedByCurrent = (slot: FactSlot) => current !== undefined && reader.askedBy(current, slot);
        const topic = current && fresh.some(askedByCurrent) ? current : reader.topicOf(fresh[0]!);
        return this.restartAt(dc, TRIAGE_OF[topic], {});
      }
    }
    // 「ダウンロードまでは済んでいます。その次を」: the step after those done, not the one named.
    const progressed = !waiting.slot && reader.progress(text) ? planFor(text, router, reader) : undefined;
    if (progressed?.action === 'answer' && progressed.next) {
      await this.steps.show(context, progressed.answers[0]!);
      return askAgain(PHRASES.backToQuestion);
    }
    // A list item typed by its words or place (IDの確認のところ, ３番) is the list's answer, not a question;
    // so is one asked for in the question's own words or with a request (電子証明書のステップを詳しく知りたいです,
    // さいしょのぴーしーのかくにんをおしえてください).
    const namesItem = () =>
      namedLabel(text, waiting.choices, { spell: (typed) => reader.canonical(typed), outright: true, question: waiting.question }) !== undefined &&
      !reader.read(withoutRequest(withoutEcho(text.normalize('NFKC'), waiting.question.normalize('NFKC')))).asks;
    if (!waiting.slot && (recognizeChoices(text, waiting.choices).length > 0 || namesItem())) return undefined;
    // A question asked while buttons wait is answered, then the same question comes back. While a
    // fact's question waits, only a question in its own right (or a pasted error message) is; any other
    // statement is an answer the bot could not read, and the prompt asks again. A question about the
    // question (「証明書タブってどこ？」) gets the closest guide entry, or a plain "not in the guides".
    const plan = planFor(text, router, reader);
    const answer = plan.action === 'answer' ? plan.answers[0] : plan.action === 'triage' ? plan.routed : undefined;
    if (!waiting.slot || (plan.action === 'answer' && plan.quoted)) {
      // A question of its own the guides do not answer (「全部でどれくらい日数かかりますか？」): said so, then the same question.
      if (!answer) return plan.action === 'off-topic' && plan.asks ? askAgain(PHRASES.offTopic, PHRASES.backToQuestion) : undefined;
      await this.steps.show(context, answer);
      return askAgain(PHRASES.backToQuestion);
    }
    if (!plan.asks) return undefined;
    const closest = answer ?? (plan.action === 'unsure' ? plan.candidates[0] : undefined);
    if (closest) await this.steps.show(context, closest);
    return askAgain(...(closest ? [] : [PHRASES.offTopic]), PHRASES.backToQuestion);
  }

  /**
   * Keeps what a message states (facts of other questions too), saying so in one line, and what those
   * facts imply (期限切れ: the KJ login fails). A fact that contradicts an earlier one replaces it.
   * Returns the facts beyond the waiting question's own answer that were new.
   */
  async takeFacts(context: TurnContext, reading: Reading, answering?: Slot): Promise<FactSlot[]> {
    const facts = await this.services.facts.get(context, { shownEntries: [], feedback: [], unanswered: [] });
    // What the answer itself implies is no news (「毎月の請求で入ってるのでできます」 to the KJ login
    // question names the KJ ID, which that question is about).
    const answered = answering && isFactSlot(answering) ? reading.facts[answering] : undefined;
    const presupposed: Facts = answered ? this.services.reader.implied({ [answering!]: answered }) : {};
    const fresh: Facts = {};
    for (const [slot, value] of Object.entries(reading.facts) as Array<[FactSlot, string]>) {
      if (slot !== answering && facts[slot] !== value && presupposed[slot] !== value) (fresh as Record<string, string>)[slot] = value;
    }
    const slots = Object.keys(fresh) as FactSlot[];
    if (slots.length === 0) return [];
    const merged = { ...facts, ...fresh };
    await this.services.facts.set(context, { ...merged, ...this.services.reader.implied(merged) });
    const said = saidOf(fresh);
    if (said) await context.sendActivity(replyActivity({ text: [PHRASES.factsTaken(said)] }));
    return slots;
  }

  /**
   * Starting over (最初から, キャンセル, a topic picked from the menu): the triage asks its questions
   * afresh. What was shown and answered stays, for analytics and a later hand-off.
   */
  async forgetFacts(context: TurnContext): Promise<void> {
    const facts = await this.services.facts.get(context, { shownEntries: [], feedback: [], unanswered: [] });
    for (const slot of FACT_SLOTS) delete facts[slot];
    await this.services.facts.set(context, facts);
  }

  /** Starts the waiting question's topic again (its first waterfall), with the facts as they are now. */
  private async replan(dc: DialogContext): Promise<DialogTurnResult> {
    const bottom = dc.stack[0]!;
    const options = (bottom.state as { options?: object }).options;
    await dc.cancelAllDialogs();
    return dc.beginDialog(bottom.id, options);
  }

  private async restartAt(dc: DialogContext, dialogId: string, options: object): Promise<DialogTurnResult> {
    await dc.cancelAllDialogs();
    return dc.beginDialog(dialogId, options);
  }
}

/**
 * The menu and free text: a first message or a menu answer is routed to the right triage or answered
 * from the guides; when the router is unsure its candidates come as buttons plus その他.
 */
class MainSteps extends TriageSteps {
  constructor(
    services: TriageServices,
    private readonly main: MainDialog,
  ) {
    super(services);
  }

  dialogs(): Dialog[] {
    return [this.waterfall(MENU_DIALOG, [this.start, this.dispatch]), this.waterfall(QUESTION, [this.route, this.chooseCandidate])];
  }

  /** Shows one entry, recorded as shown (a question answered between two of the triage's questions). */
  async show(context: TurnContext, entry: Entry): Promise<void> {
    await this.showEntries(context, [{ entry }]);
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
    const date = monthDay(at, this.services.kb.contact.hours.timeZone);
    return { entry, line: PHRASES.lastAnswer(date, entry.title) };
  }

  private async dispatch(step: WaterfallStepContext) {
    return this.dispatchText(step, String(step.result ?? '').trim());
  }

  /** A menu label (or its number) opens that dialog, a greeting shows the menu; anything else is a question. */
  private async dispatchText(step: WaterfallStepContext, text: string) {
    if (!text || GREETING.test(text)) return step.replaceDialog(MENU_DIALOG, { start: 'menu' } satisfies MainOptions);
    await this.services.analytics?.asked(step.context);
    // Only the whole text picks: "2" or a label, not the 3 of "3事業所あるけど…".
    const [picked] = recognizeChoices(text, MENU_DIALOGS.map(([label]) => label));
    if (picked && picked.resolution.score >= 1 && picked.start === 0 && picked.end === text.length - 1) {
      await this.main.forgetFacts(step.context);
      return step.replaceDialog(MENU_DIALOGS[picked.resolution.index]![1]);
    }
    // An entry's title (the button of a returning user's last answer) opens that entry.
    const titled = this.services.kb.entries.find((e) => e.title === text);
    if (titled) return this.open(step, titled);
    return step.replaceDialog(QUESTION, { text });
  }

  /** A message that answers no question: its facts are kept, then it is answered, or its topic's triage starts. */
  private async route(step: WaterfallStepContext) {
    const { text } = step.options as { text: string };
    const plan = planFor(text, this.services.router, this.services.reader);
    await this.main.takeFacts(step.context, plan);
    const decision = plan.action === 'triage' ? 'answer' : plan.action;
    await this.services.analytics?.routed(step.context, decision, text);
    if (plan.action === 'answer') return this.open(step, plan.answers[0]!, ...plan.answers.slice(1));
    if (plan.action === 'triage') {
      // An overview of that very triage (電子証明書インストールの全体ステップ) opens it with its steps first.
      const opensTriage = plan.routed && ENTRY_DIALOGS[plan.routed.id]?.[0] === TRIAGE_OF[plan.topic];
      if (opensTriage) return this.open(step, plan.routed!);
      await this.updateFacts(step.context, { topic: plan.topic });
      return step.replaceDialog(TRIAGE_OF[plan.topic]);
    }
    if (plan.action === 'unsure') {
      const labels = plan.candidates.map((entry) => entry.title);
      return this.ask(step, { text: [PHRASES.unsure] }, [...labels, OTHER]);
    }
    const facts = await this.facts(step.context);
    facts.unanswered.push(redactSecrets(text).slice(0, 200));
    await this.services.facts.set(step.context, facts);
    await step.context.sendActivity(replyActivity({ text: [PHRASES.offTopic] }));
    return step.replaceDialog(MENU_DIALOG, { start: 'menu' } satisfies MainOptions);
  }

  private async chooseCandidate(step: WaterfallStepContext) {
    const entry = this.services.kb.entries.find((e) => e.title === step.result.value);
    if (entry) return this.open(step, entry);
    await this.services.analytics?.unanswered(step.context, (step.options as { text: string }).text);
    await step.context.sendActivity(replyActivity({ text: [PHRASES.otherChosen] }));
    return step.replaceDialog(MENU_DIALOG, { start: 'menu' } satisfies MainOptions);
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

/** The prompt the user is answering (the top of the dialog stack), with its buttons and the slot it asks about. */
function waitingPrompt(dc: DialogContext): { question: string; choices: string[]; values: string[]; promptId?: string; isChoice: boolean; slot?: QuestionValidations['slot'] } | undefined {
  const active = dc.activeDialog;
  const options = active?.state?.options as PromptOptions | undefined;
  const prompt = options?.prompt && typeof options.prompt === 'object' ? replyOf(options.prompt) : undefined;
  if (!active || !prompt) return undefined;
  const slot = (options?.validations as QuestionValidations | undefined)?.slot;
  const choices = (prompt.choices ?? []).map(choiceValue);
  return { question: (prompt.text ?? []).join('\n'), choices, values: slot ? choices.map((label) => valueOfChoice(slot, label)) : [], promptId: prompt.promptId, isChoice: dc.findDialog(active.id) instanceof ChoicePrompt, slot };
}

function valueOfChoice(slot: NonNullable<QuestionValidations['slot']>, label: string): string {
  return valueOfLabel(slot, label) ?? label;
}

import { randomBytes } from 'node:crypto';
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { HandoffReason } from '../handoff/ticket';
import type { Entry, Topic } from '../knowledge/schema';
import { ABANDON_AFTER_MINUTES, channelLabel, type ConversationSummary, type RouterDecision } from './model';
import type { AnalyticsRecorder } from './recorder';
import { afterTurnSaved } from '../bot/turnAttempt';

/** Kept in conversation state: the conversation (in the analytics sense) under way, with its random id. */
export interface AnalyticsSession extends ConversationSummary {
  id: string;
}

/** Set on a turn whose message came after ABANDON_AFTER_MINUTES of silence. */
const AFTER_SILENCE = Symbol('analytics-after-silence');

/**
 * What the bot and its dialogs report, per turn. A Teams or Slack chat never ends, so a
 * "conversation" here starts with a user's message handled by the bot when none is under way: the
 * first, or the first after 解決した or a hand-off; or, after ABANDON_AFTER_MINUTES of silence, a new
 * question at the menu (a topic picked, free text asked). An answer to the question left waiting (はい to
 * 解決しましたか？ after trying the steps for an hour) still belongs to the old one. Messages
 * relayed to a helpdesk agent are not part of any.
 */
export class ConversationAnalytics {
  constructor(
    readonly recorder: AnalyticsRecorder,
    private readonly session: StatePropertyAccessor<AnalyticsSession | undefined>,
    private readonly now: () => Date,
    private readonly abandonAfterMinutes = ABANDON_AFTER_MINUTES,
  ) {}

  /** Every activity the bot runs. */
  turn(context: TurnContext): Promise<void> {
    return this.record(context, (r) => r.turn(context.activity.channelId));
  }

  /** A user's message that the bot (not an agent) handles. */
  async userMessage(context: TurnContext): Promise<void> {
    const at = this.now();
    const current = await this.session.get(context);
    if (!current || current.outcome) {
      await this.start(context, at);
      return;
    }
    // After a silence, whether this message starts a new conversation depends on what it is (see asked).
    if (at.getTime() - Date.parse(current.lastAt) > this.abandonAfterMinutes * 60_000) context.turnState.set(AFTER_SILENCE, true);
    else await this.update(context, (s) => s, at);
  }

  /** A dialog settled on the topic (menu choice, routed question). */
  async topic(context: TurnContext, topic: Topic): Promise<void> {
    await this.update(context, (s) => ({ ...s, topic }));
  }

  /** The router's decision on a free-text question; unsure and off-topic questions are recorded, redacted. */
  async routed(context: TurnContext, decision: RouterDecision, question: string): Promise<void> {
    await this.record(context, (r) => {
      r.routed(decision);
      if (decision === 'unsure') r.question('unsure', question);
      if (decision === 'off-topic') r.question('unanswered', question);
    });
    await this.update(context, (s) => ({ ...s, questions: s.questions + 1 }));
  }

  /** A question left without an answer after all (その他 among the router's candidates). */
  async unanswered(context: TurnContext, question: string): Promise<void> {
    await this.record(context, (r) => r.question('unanswered', question));
    await this.update(context, (s) => s);
  }

  async answered(context: TurnContext, entry: Entry): Promise<void> {
    await this.record(context, (r) => r.answered(entry.id, entry.topic));
    await this.update(context, (s) => ({ ...s, answers: s.answers + 1, topic: s.topic ?? entry.topic }));
  }

  /** 解決しましたか？: はい ends the conversation as resolved by the bot. */
  async feedback(context: TurnContext, entryId: string, solved: boolean): Promise<void> {
    await this.record(context, (r) => r.feedback(entryId, solved));
    await this.update(context, (s) => (solved ? { ...s, outcome: s.outcome ?? 'resolved' } : { ...s, unsolved: s.unsolved + 1 }));
  }

  /** A hand-off ticket was opened: the conversation ends as escalated. */
  async escalated(context: TurnContext, reason: HandoffReason): Promise<void> {
    await this.record(context, (r) => r.escalated(reason));
    await this.update(context, (s) => (s.outcome ? s : { ...s, outcome: 'escalated', reason }));
  }

  /**
   * The user starts something new at the menu: a topic picked, or a question typed. After a silence
   * this starts a new conversation (the old one stays as it was: abandoned).
   */
  async asked(context: TurnContext): Promise<void> {
    if (!context.turnState.get(AFTER_SILENCE)) return;
    context.turnState.delete(AFTER_SILENCE);
    await this.start(context, this.now());
  }

  private async start(context: TurnContext, at: Date): Promise<AnalyticsSession> {
    const session: AnalyticsSession = {
      id: randomBytes(8).toString('hex'),
      channel: channelLabel(context.activity.channelId),
      startedAt: at.toISOString(),
      lastAt: at.toISOString(),
      questions: 0,
      answers: 0,
      unsolved: 0,
    };
    await this.record(context, (r) => r.conversationStarted());
    await this.save(context, session);
    return session;
  }

  private async update(context: TurnContext, change: (s: AnalyticsSession) => AnalyticsSession, at = this.now()): Promise<void> {
    // An event outside a user's message (none so far) still belongs to a conversation.
    const current = (await this.session.get(context)) ?? (await this.start(context, at));
    await this.save(context, { ...change(current), lastAt: at.toISOString() });
  }

  private async save(context: TurnContext, session: AnalyticsSession): Promise<void> {
    await this.session.set(context, session);
    const { id, ...summary } = session;
    await this.record(context, (r) => r.conversation(id, summary));
  }

  /**
   * Recorded once the turn's state is saved (a turn run again after a conflict is not counted twice),
   * after its replies.
   */
  private record(context: TurnContext, event: (recorder: AnalyticsRecorder) => void): Promise<void> {
    return afterTurnSaved(context, () => event(this.recorder));
  }
}

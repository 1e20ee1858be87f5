import { ActivityTypes, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { commandOf } from '../dialogs/commands';
import { emptyFacts, type TriageFacts } from '../dialogs/triageFacts';
import type { HandoffService } from '../handoff/handoffService';
import type { HandoffReason, TranscriptLine } from '../handoff/ticket';
import { replySummary } from '../replies/model';
import { redactSecrets } from '../safety/secrets';
import { replyOf } from '../replies/activity';
import { afterStateSaved } from './turnAttempt';

/** Enough context for the agent without keeping whole conversations in state. */
const KEPT_LINES = 60;
const MAX_LINE = 1000;

/**
 * Connects a conversation to the hand-off: keeps its redacted transcript in conversation state,
 * opens tickets from the dialogs, and while a ticket is open passes the user's messages to the
 * agent instead of the dialogs.
 */
export class HandoffBridge {
  constructor(
    private readonly service: HandoffService,
    private readonly transcript: StatePropertyAccessor<TranscriptLine[]>,
    private readonly activeTicket: StatePropertyAccessor<string | undefined>,
    private readonly facts: StatePropertyAccessor<TriageFacts>,
    private readonly now: () => Date,
  ) {}

  /** Records this turn's user message and the bot's replies (as their text or title) in the transcript. */
  async recordTurn(context: TurnContext): Promise<void> {
    const lines = await this.transcript.get(context, []);
    const add = (from: TranscriptLine['from'], text: string | undefined) => {
      if (text?.trim()) lines.push({ from, text: redactSecrets(text).slice(0, MAX_LINE), at: this.now().toISOString() });
      if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
    };
    if (context.activity.type === ActivityTypes.Message) add('user', context.activity.text);
    context.onSendActivities(async (_ctx, activities, next) => {
      for (const a of activities.filter((a) => a.type === ActivityTypes.Message)) {
        const reply = replyOf(a);
        add('bot', reply ? replySummary(reply) : a.text);
      }
      return next();
    });
  }

  /** True when the message went to the agent of an open ticket (the dialogs then stay quiet). */
  async relayed(context: TurnContext): Promise<boolean> {
    const ticketId = await this.activeTicket.get(context);
    if (!ticketId) return false;
    const ticket = await this.service.tickets.get(ticketId);
    if (!ticket || ticket.status === 'resolved') {
      await this.activeTicket.delete(context);
      return false;
    }
    // キャンセル takes the user back to the bot (the agent is told); anything else goes to the agent.
    if (commandOf(context.activity.text ?? '') === 'cancel') {
      await this.activeTicket.delete(context);
      await afterStateSaved(context, () => this.service.resolve(ticketId, undefined, true));
      return true;
    }
    if (context.activity.text?.trim()) await this.service.fromUser(ticket, context.activity.text, context);
    return true;
  }

  async open(context: TurnContext, reason: HandoffReason): Promise<void> {
    const facts = await this.facts.get(context, emptyFacts());
    const transcript = await this.transcript.get(context, []);
    const ticket = await this.service.open(context, reason, facts, [...transcript]);
    await this.activeTicket.set(context, ticket.id);
  }
}

import { ActivityTypes, EventFactory, TurnContext, type Activity, type StatePropertyAccessor } from 'botbuilder';
import { commandOf } from '../dialogs/commands';
import { emptyFacts, type TriageFacts } from '../dialogs/triageFacts';
import { HANDOFF_PHRASES, type HandoffService } from '../handoff/handoffService';
import type { HandoffReason, TranscriptLine } from '../handoff/ticket';
import type { HoursPolicy } from '../helpdesk/businessHours';
import type { Contact } from '../knowledge/schema';
import type { Logger } from '../logging';
import { contactBlock, sourceLabel } from '../replies/knowledgeReplies';
import { replySummary } from '../replies/model';
import { redactSecrets } from '../safety/secrets';
import { replyActivity, replyOf } from '../replies/activity';
import { afterStateSaved } from './turnAttempt';

/** Enough context for the agent without keeping whole conversations in state. */
const KEPT_LINES = 60;
const MAX_LINE = 1000;
/** Teams refuses event activities (400), Slack and the console have none. */
const NO_EVENT_CHANNELS = new Set(['msteams', 'slack', 'console']);

export interface HandoffBridgeOptions {
  transcript: StatePropertyAccessor<TranscriptLine[]>;
  activeTicket: StatePropertyAccessor<string | undefined>;
  facts: StatePropertyAccessor<TriageFacts>;
  contact: Contact;
  hours: HoursPolicy;
  now: () => Date;
  log: Logger;
}

/**
 * Connects a conversation to the hand-off: keeps its redacted transcript in conversation state,
 * opens tickets from the dialogs, and while a ticket is open passes the user's messages to the
 * agent instead of the dialogs. What reaches the ticket store and the helpdesk waits for the turn's
 * state to be saved, so a turn run again after a conflict opens one ticket, not two.
 */
export class HandoffBridge {
  constructor(
    private readonly service: HandoffService,
    private readonly options: HandoffBridgeOptions,
  ) {}

  /** Records this turn's user message and the bot's replies (as their text or title) in the transcript. */
  async recordTurn(context: TurnContext): Promise<void> {
    const lines = await this.options.transcript.get(context, []);
    const add = (from: TranscriptLine['from'], text: string | undefined) => {
      if (text?.trim()) lines.push({ from, text: redactSecrets(text).slice(0, MAX_LINE), at: this.options.now().toISOString() });
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
    const ticketId = await this.options.activeTicket.get(context);
    if (!ticketId) return false;
    const ticket = await this.service.tickets.get(ticketId);
    if (!ticket || ticket.status === 'resolved') {
      await this.options.activeTicket.delete(context);
      return false;
    }
    // キャンセル takes the user back to the bot (the agent is told); anything else goes to the agent.
    if (commandOf(context.activity.text ?? '') === 'cancel') {
      await this.options.activeTicket.delete(context);
      await afterStateSaved(context, () => this.service.resolve(ticketId, undefined, true));
      return true;
    }
    const text = context.activity.text;
    if (text?.trim()) {
      // The bot stays quiet, but for a word that the agent is yet to come.
      if (ticket.status === 'waiting') await context.sendActivity(replyActivity({ text: [HANDOFF_PHRASES.waiting] }));
      await afterStateSaved(context, () => this.service.fromUser(ticketId, text));
    }
    return true;
  }

  /** Opens a ticket for the user of this turn and tells them its number and what happens next. */
  async open(context: TurnContext, reason: HandoffReason): Promise<void> {
    const { contact, hours, now } = this.options;
    const ticket = this.service.newTicket({
      reason,
      channel: context.activity.channelId,
      conversation: TurnContext.getConversationReference(context.activity),
      userName: context.activity.from?.name || context.activity.from?.id || '',
      facts: await this.options.facts.get(context, emptyFacts()),
      transcript: [...(await this.options.transcript.get(context, []))],
    });
    await this.options.activeTicket.set(context, ticket.id);
    const block = contactBlock(contact, hours, now());
    const told = replyActivity({
      text: [HANDOFF_PHRASES.opened(ticket.id), block.open ? HANDOFF_PHRASES.openNow : HANDOFF_PHRASES.closedNow],
      contact: block,
      source: sourceLabel(contact.source),
    });
    await afterStateSaved(context, () => this.service.open(ticket, () => context.sendActivity(told)));
    // Contact-centre platforms connected through Direct Line take over on this standard event. A
    // refusal must not undo the hand-off, so it is sent (and its failure caught) after the state is saved.
    if (!NO_EVENT_CHANNELS.has(context.activity.channelId)) {
      const transcriptActivities = ticket.transcript.map((line) => ({ type: ActivityTypes.Message, text: line.text, timestamp: new Date(line.at), from: { id: line.from, name: line.from } }) as Activity);
      const initiation = EventFactory.createHandoffInitiation(context, { ticketId: ticket.id, summary: ticket.summary, facts: ticket.facts }, { activities: transcriptActivities });
      await afterStateSaved(context, () => context.sendActivity(initiation).catch((err: unknown) => this.options.log.warn({ err, ticket: ticket.id }, 'handoff: handoff.initiate was refused')));
    }
  }
}

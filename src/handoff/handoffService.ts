import { ActivityTypes, EventFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { replyActivity } from '../replies/activity';
import { afterStateSaved } from '../bot/turnAttempt';
import type { TriageFacts } from '../dialogs/triageFacts';
import type { HoursPolicy } from '../helpdesk/businessHours';
import type { Logger } from '../logging';
import { contactBlock, sourceLabel } from '../replies/knowledgeReplies';
import type { Reply } from '../replies/model';
import type { Contact } from '../knowledge/schema';
import { redactSecrets } from '../safety/secrets';
import { summarize, type HandoffReason, type HandoffTicket, type TranscriptLine } from './ticket';
import { newTicketId, TicketStore } from './ticketStore';

/** Sends to a user outside their own turn, through the adapter of their channel. */
export type ProactiveSender = (reference: Partial<ConversationReference>, reply: Reply) => Promise<void>;

/** What happened to a ticket; `agent` is who wrote an agent message (not necessarily who took it). */
export interface TicketEvent {
  kind: 'taken' | 'resolved' | 'user-message' | 'agent-message';
  text?: string;
  agent?: string;
}

/** A place where the helpdesk sees tickets (a Teams or Slack channel). Failures there never reach the user. */
export interface HelpdeskNotifier {
  readonly name: string;
  ticketOpened(ticket: HandoffTicket): Promise<void>;
  ticketChanged(ticket: HandoffTicket, event: TicketEvent): Promise<void>;
}

/** The agent's action does not fit the ticket's state (taken twice, message before taking, …). */
export class HandoffRefusedError extends Error {}

/** The user's channel could not be reached; the agent must know the message did not arrive. */
export class HandoffDeliveryError extends Error {}

const MAX_TRANSCRIPT = 200;
const NO_EVENT_CHANNELS = new Set(['msteams', 'slack', 'console']);
const MAX_LINE = 1000;

export const HANDOFF_PHRASES = {
  opened: (id: string) => `担当者におつなぎします（受付番号 ${id}）。これまでのやり取りは担当者に引き継がれますので、同じ説明を繰り返す必要はありません。`,
  openNow: '担当者が対応するまで、このままお待ちください。',
  closedNow: 'ただいま受付時間外のため、受付順に対応いたします。',
  taken: (agent: string) => `担当者（${agent}）が対応します。このままメッセージをお送りください。`,
  waiting: '担当者に伝えました。担当者の対応をお待ちください。',
  fromAgent: (agent: string, text: string) => `担当者（${agent}）: ${text}`,
  resolved: '担当者との会話を終了しました。ここからはボットがご案内します。ほかにご用件があれば、メッセージをお送りください。',
  cancelledByUser: '担当者への引き継ぎを取り消しました。ここからはボットがご案内します。',
};

/**
 * Hands chats to the human helpdesk and back: opens a ticket with the collected facts and the
 * redacted transcript, relays messages both ways while an agent has it, and returns the user to
 * the bot when it is resolved.
 */
export class HandoffService {
  private readonly notifiers: HelpdeskNotifier[] = [];
  private readonly senders = new Map<string, ProactiveSender>();

  constructor(
    readonly tickets: TicketStore,
    private readonly contact: Contact,
    private readonly hours: HoursPolicy,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  addNotifier(notifier: HelpdeskNotifier): void {
    this.notifiers.push(notifier);
  }

  /** How to reach users of a channel (slack, directline, …) outside their turn; '*' for every other channel. */
  setSender(channelId: string, sender: ProactiveSender): void {
    this.senders.set(channelId, sender);
  }

  /**
   * Opens a ticket for the user of this turn and tells them what happens next. The ticket is stored
   * and the helpdesk told once the turn's state (which names the ticket) is saved.
   */
  async open(context: TurnContext, reason: HandoffReason, facts: TriageFacts, transcript: TranscriptLine[]): Promise<HandoffTicket> {
    const ticket: HandoffTicket = {
      id: newTicketId(),
      status: 'waiting',
      reason,
      channel: context.activity.channelId,
      conversation: TurnContext.getConversationReference(context.activity),
      userName: context.activity.from?.name || context.activity.from?.id || '',
      facts,
      summary: summarize(facts, reason),
      transcript: transcript.slice(-MAX_TRANSCRIPT),
      createdAt: this.now().toISOString(),
      helpdesk: {},
    };
    await afterStateSaved(context, () => this.tickets.create(ticket, ticket.id));
    const contact = contactBlock(this.contact, this.hours, this.now());
    await context.sendActivity(
      replyActivity({
        text: [HANDOFF_PHRASES.opened(ticket.id), contact.open ? HANDOFF_PHRASES.openNow : HANDOFF_PHRASES.closedNow],
        contact,
        source: sourceLabel(this.contact.source),
      }),
    );
    await afterStateSaved(context, () => this.notify((n) => n.ticketOpened(ticket)));
    // Contact-centre platforms connected through Direct Line take over on this standard event. Teams
    // refuses event activities (400) and Slack has none; a refusal must not undo the hand-off, so
    // it is sent (and its failure caught) after the state is saved, not held with the replies.
    if (!NO_EVENT_CHANNELS.has(context.activity.channelId)) {
      const transcriptActivities = ticket.transcript.map((line) => ({ type: ActivityTypes.Message, text: line.text, timestamp: new Date(line.at), from: { id: line.from, name: line.from } }) as Activity);
      const initiation = EventFactory.createHandoffInitiation(context, { ticketId: ticket.id, summary: ticket.summary, facts: ticket.facts }, { activities: transcriptActivities });
      await afterStateSaved(context, () => context.sendActivity(initiation).catch((err: unknown) => this.log.warn({ err, ticket: ticket.id }, 'handoff: handoff.initiate was refused')));
    }
    return ticket;
  }

  /**
   * A message from the user while their ticket is open: recorded and passed to the agent once the
   * turn's state is saved; the bot stays quiet, but for a word that the agent is yet to come.
   */
  async fromUser(ticket: HandoffTicket, text: string, context: TurnContext): Promise<void> {
    if (ticket.status === 'waiting') await context.sendActivity(replyActivity({ text: [HANDOFF_PHRASES.waiting] }));
    const line = this.line('user', text);
    await afterStateSaved(context, async () => {
      const updated = await this.tickets.update(ticket.id, (t) => ({ ...t, transcript: [...t.transcript, line].slice(-MAX_TRANSCRIPT) }));
      await this.notify((n) => n.ticketChanged(updated, { kind: 'user-message', text: line.text }));
    });
  }

  async take(ticketId: string, agent: string): Promise<HandoffTicket> {
    const ticket = await this.tickets.update(ticketId, (t) => {
      if (t.status === 'in-progress') throw new HandoffRefusedError(`${t.id} は ${t.agent ?? '別の担当者'} が対応中です`);
      if (t.status === 'resolved') throw new HandoffRefusedError(`${t.id} は完了しています`);
      return { ...t, status: 'in-progress', agent, takenAt: this.now().toISOString() };
    });
    await this.toUser(ticket, { text: [HANDOFF_PHRASES.taken(agent)] });
    await this.notify((n) => n.ticketChanged(ticket, { kind: 'taken' }));
    return ticket;
  }

  /** An agent's reply, relayed to the user. */
  async fromAgent(ticketId: string, agent: string, text: string): Promise<HandoffTicket> {
    const line = this.line('agent', text);
    const ticket = await this.tickets.update(ticketId, (t) => {
      if (t.status !== 'in-progress') throw new HandoffRefusedError(t.status === 'waiting' ? `${t.id} はまだ誰も対応していません。先に「対応する」を押してください` : `${t.id} は完了しています`);
      return { ...t, transcript: [...t.transcript, line].slice(-MAX_TRANSCRIPT) };
    });
    if (!(await this.toUser(ticket, { text: [HANDOFF_PHRASES.fromAgent(agent, line.text)] }))) {
      throw new HandoffDeliveryError(`${ticket.id}: the message could not be delivered to the user`);
    }
    await this.notify((n) => n.ticketChanged(ticket, { kind: 'agent-message', text: line.text, agent }));
    return ticket;
  }

  /** Closes the ticket; the user is told the bot is back (or, when they cancelled, that it is cancelled). */
  async resolve(ticketId: string, agent?: string, byUser = false): Promise<HandoffTicket> {
    const ticket = await this.tickets.update(ticketId, (t) => {
      if (t.status === 'resolved') throw new HandoffRefusedError(`${t.id} は完了しています`);
      return { ...t, status: 'resolved', resolvedAt: this.now().toISOString(), agent: t.agent ?? agent };
    });
    await this.toUser(ticket, { text: [byUser ? HANDOFF_PHRASES.cancelledByUser : HANDOFF_PHRASES.resolved] });
    await this.notify((n) => n.ticketChanged(ticket, { kind: 'resolved', ...(byUser ? { text: '利用者が引き継ぎを取り消しました' } : {}) }));
    return ticket;
  }

  private line(from: TranscriptLine['from'], text: string): TranscriptLine {
    return { from, text: redactSecrets(text).slice(0, MAX_LINE), at: this.now().toISOString() };
  }

  /** True when the user's channel took the message. */
  private async toUser(ticket: HandoffTicket, reply: Reply): Promise<boolean> {
    const send = this.senders.get(ticket.channel) ?? this.senders.get('*');
    try {
      if (!send) throw new Error(`no way to reach channel ${ticket.channel}`);
      await send(ticket.conversation, reply);
      return true;
    } catch (err) {
      this.log.warn({ err, ticket: ticket.id, channel: ticket.channel }, 'handoff: the user could not be reached');
      return false;
    }
  }

  private async notify(call: (n: HelpdeskNotifier) => Promise<void>): Promise<void> {
    await Promise.all(
      this.notifiers.map((n) => call(n).catch((err: unknown) => this.log.error({ err, notifier: n.name }, 'handoff: helpdesk notification failed'))),
    );
  }
}

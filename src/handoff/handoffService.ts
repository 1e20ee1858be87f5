import type { ConversationReference } from 'botbuilder';
import type { TriageFacts } from '../dialogs/triageFacts';
import type { Logger } from '../logging';
import type { Reply } from '../replies/model';
import { redactSecrets } from '../safety/secrets';
import { summarize, type HandoffReason, type HandoffTicket, type TranscriptLine } from './ticket';
import { newTicketId, TicketStore } from './ticketStore';

/** Sends to a user outside their own turn, through the adapter of their channel. */
export type ProactiveSender = (reference: Partial<ConversationReference>, reply: Reply) => Promise<void>;

/**
 * What happened to a ticket, with the ticket as it is after it. `message` is a line added to the
 * transcript, by the user or by an agent (`agent`: who wrote it, not necessarily who took it).
 */
export type HandoffEvent =
  | { kind: 'opened'; ticket: HandoffTicket }
  | { kind: 'taken'; ticket: HandoffTicket; agent: string }
  | { kind: 'message'; ticket: HandoffTicket; line: TranscriptLine; agent?: string }
  | { kind: 'resolved'; ticket: HandoffTicket; byUser: boolean };

/** A place that follows tickets (a Teams or Slack channel, the web console). Its failures never reach the user. */
export interface HandoffListener {
  readonly name: string;
  handle(event: HandoffEvent): Promise<void>;
}

/** What the conversation knows when it hands over. */
export interface HandoffRequest {
  reason: HandoffReason;
  channel: string;
  conversation: Partial<ConversationReference>;
  userName: string;
  facts: TriageFacts;
  transcript: TranscriptLine[];
}

/** The agent's action does not fit the ticket's state (taken twice, message before taking, …). */
export class HandoffRefusedError extends Error {}

/** The user's channel could not be reached; the agent must know the message did not arrive. */
export class HandoffDeliveryError extends Error {}

const MAX_TRANSCRIPT = 200;
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
 * The hand-off's domain: tickets move waiting → in progress → resolved, messages are added to their
 * transcript, agents' messages and status changes reach the user through their channel's sender,
 * and every change is announced to the listeners (the helpdesk's channels and console). It knows
 * no bot turn and no channel: the bot's HandoffBridge calls it from turns, the channels and the
 * console from agents' actions.
 */
export class HandoffService {
  private readonly listeners: HandoffListener[] = [];
  private readonly senders = new Map<string, ProactiveSender>();

  constructor(
    readonly tickets: TicketStore,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  subscribe(listener: HandoffListener): void {
    this.listeners.push(listener);
  }

  /** How to reach users of a channel (slack, directline, …) outside their turn; '*' for every other channel. */
  setSender(channelId: string, sender: ProactiveSender): void {
    this.senders.set(channelId, sender);
  }

  /** A new ticket, not stored yet: its number can be kept in the conversation before it is opened. */
  newTicket(request: HandoffRequest): HandoffTicket {
    return {
      id: newTicketId(),
      status: 'waiting',
      reason: request.reason,
      channel: request.channel,
      conversation: request.conversation,
      userName: request.userName,
      facts: request.facts,
      summary: summarize(request.facts, request.reason),
      transcript: request.transcript.slice(-MAX_TRANSCRIPT),
      createdAt: this.now().toISOString(),
      helpdesk: {},
    };
  }

  /**
   * Stores the ticket, lets `tellUser` give the user its number, then announces it: the user hears
   * first, and only of a ticket that exists.
   */
  async open(ticket: HandoffTicket, tellUser: () => Promise<unknown>): Promise<HandoffTicket> {
    await this.tickets.create(ticket, ticket.id);
    await tellUser();
    await this.emit({ kind: 'opened', ticket });
    return ticket;
  }

  /** A message from the user while their ticket is open: added to the transcript and passed on. */
  async fromUser(ticketId: string, text: string): Promise<HandoffTicket> {
    const line = this.line('user', text);
    const ticket = await this.tickets.update(ticketId, (t) => ({ ...t, transcript: [...t.transcript, line].slice(-MAX_TRANSCRIPT) }));
    await this.emit({ kind: 'message', ticket, line });
    return ticket;
  }

  async take(ticketId: string, agent: string): Promise<HandoffTicket> {
    const ticket = await this.tickets.update(ticketId, (t) => {
      if (t.status === 'in-progress') throw new HandoffRefusedError(`${t.id} は ${t.agent ?? '別の担当者'} が対応中です`);
      if (t.status === 'resolved') throw new HandoffRefusedError(`${t.id} は完了しています`);
      return { ...t, status: 'in-progress', agent, takenAt: this.now().toISOString() };
    });
    await this.toUser(ticket, { text: [HANDOFF_PHRASES.taken(agent)] });
    await this.emit({ kind: 'taken', ticket, agent });
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
    await this.emit({ kind: 'message', ticket, line, agent });
    return ticket;
  }

  /** Closes the ticket; the user is told the bot is back (or, when they cancelled, that it is cancelled). */
  async resolve(ticketId: string, agent?: string, byUser = false): Promise<HandoffTicket> {
    const ticket = await this.tickets.update(ticketId, (t) => {
      if (t.status === 'resolved') throw new HandoffRefusedError(`${t.id} は完了しています`);
      return { ...t, status: 'resolved', resolvedAt: this.now().toISOString(), agent: t.agent ?? agent };
    });
    await this.toUser(ticket, { text: [byUser ? HANDOFF_PHRASES.cancelledByUser : HANDOFF_PHRASES.resolved] });
    await this.emit({ kind: 'resolved', ticket, byUser });
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

  private async emit(event: HandoffEvent): Promise<void> {
    await Promise.all(
      this.listeners.map((l) => l.handle(event).catch((err: unknown) => this.log.error({ err, listener: l.name, ticket: event.ticket.id }, 'handoff: a listener failed'))),
    );
  }
}

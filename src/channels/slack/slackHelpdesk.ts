import { AsyncLocalStorage } from 'node:async_hooks';
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { HandoffRefusedError, type HandoffEvent, type HandoffListener, type HandoffService } from '../../handoff/handoffService';
import type { HandoffTicket } from '../../handoff/ticket';
import { TicketNotFoundError } from '../../handoff/ticketStore';
import { escapeMrkdwn } from '../../replies/render/blockKit';
import type { SlackChannel } from './slackChannel';
import { HANDOFF_RESOLVE_ACTION, HANDOFF_TAKE_ACTION, HELPDESK_SLACK_PHRASES, renderTicket } from './slackTicketMessage';

/**
 * Tickets in a Slack channel, one thread each, with 対応する / 完了 buttons; replies in the thread reach the user.
 *
 * The ticket message shows the facts, the (already redacted) transcript and the status, and is updated
 * when the ticket is taken or resolved. The user's messages are posted in its thread; a human reply in
 * that thread goes to the user through HandoffService.fromAgent. Everything else in the channel is
 * left alone (mentions outside ticket threads still reach the bot).
 */
export class SlackHelpdesk implements HandoffListener {
  readonly name = 'slack-helpdesk';
  /** Set while an agent's reply from a ticket thread is being relayed, so it is not echoed into that thread. */
  private readonly relayingFromThread = new AsyncLocalStorage<string>();
  /** Slack user id → the name they clicked 対応する / 完了 with, for naming their thread replies. */
  private readonly agentNames = new Map<string, string>();
  private readonly updates = new Map<string, Promise<void>>();

  constructor(
    private readonly slack: SlackChannel,
    private readonly channelId: string,
    private readonly service: HandoffService,
  ) {
    this.listen();
  }

  // ---- tickets → the helpdesk channel ------------------------------------------------------

  async handle(event: HandoffEvent): Promise<void> {
    const { ticket } = event;
    if (event.kind === 'opened') return this.postTicket(ticket);
    const where = ticket.helpdesk.slack ?? (await this.service.tickets.get(ticket.id))?.helpdesk.slack;
    if (!where) {
      this.slack.log.warn({ ticket: ticket.id, kind: event.kind }, 'slack helpdesk: the ticket was never posted to Slack');
      return;
    }
    const note = async (text: string) => void (await this.client.chat.postMessage({ channel: where.channel, thread_ts: where.ts, text: escapeMrkdwn(text) }));
    switch (event.kind) {
      case 'taken':
      case 'resolved':
        await this.refresh(ticket, where);
        return note(event.kind === 'taken' ? HELPDESK_SLACK_PHRASES.taken(ticket.agent ?? '担当者') : HELPDESK_SLACK_PHRASES.resolved(ticket.agent));
      case 'message':
        if (event.line.from === 'user') return note(HELPDESK_SLACK_PHRASES.fromUser(event.line.text));
        // Written in this very thread: the agents already see it there.
        if (this.relayingFromThread.getStore() === ticket.id) return;
        return note(HELPDESK_SLACK_PHRASES.fromAgent(event.agent ?? ticket.agent ?? '担当者', event.line.text));
    }
  }

  /** The ticket's message, posted once (the marker is in the store, shared by every instance). */
  private async postTicket(ticket: HandoffTicket): Promise<void> {
    if (!(await this.service.tickets.claim(ticket.id, 'slack:posted'))) return;
    const posted = await this.client.chat.postMessage({ channel: this.channelId, ...renderTicket(ticket) });
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    const where = { channel: posted.channel ?? this.channelId, ts: posted.ts };
    await this.service.tickets.update(ticket.id, (t) => ({ ...t, helpdesk: { ...t.helpdesk, slack: where } }));
    await this.service.tickets.linkThread(threadKey(where.channel, where.ts), ticket.id);
  }

  /**
   * Re-renders the ticket message from the stored ticket, one update at a time per ticket: a take and
   * a resolve in quick succession cannot leave the older state on screen.
   */
  private refresh(ticket: HandoffTicket, where: { channel: string; ts: string }): Promise<void> {
    const previous = this.updates.get(ticket.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = (await this.service.tickets.get(ticket.id)) ?? ticket;
      await this.client.chat.update({ channel: where.channel, ts: where.ts, ...renderTicket(current) });
    });
    const settled = next.catch(() => undefined);
    this.updates.set(ticket.id, settled);
    void settled.then(() => {
      if (this.updates.get(ticket.id) === settled) this.updates.delete(ticket.id);
    });
    return next;
  }

  // ---- Slack listeners ----------------------------------------------------------------------

  private get client() {
    return this.slack.app.client;
  }

  private listen(): void {
    const app = this.slack.app;

    app.action<BlockAction<ButtonAction>>(HANDOFF_TAKE_ACTION, async ({ ack, body, action }) => {
      await ack();
      await this.clicked(body, action, (ticketId, agent) => this.service.take(ticketId, agent));
    });
    app.action<BlockAction<ButtonAction>>(HANDOFF_RESOLVE_ACTION, async ({ ack, body, action }) => {
      await ack();
      await this.clicked(body, action, (ticketId, agent) => this.service.resolve(ticketId, agent));
    });

    // message.channels / message.groups: only human replies inside a ticket's thread in the helpdesk channel.
    app.message(async ({ message, context }) => {
      if (message.channel !== this.channelId) return;
      const m = message as { subtype?: string; user?: string; bot_id?: string; text?: string; ts: string; thread_ts?: string; files?: unknown[] };
      if (m.subtype !== undefined && m.subtype !== 'thread_broadcast' && m.subtype !== 'file_share') return;
      if (!m.user || m.bot_id || !m.thread_ts || m.thread_ts === m.ts) return;
      const ticket = await this.service.tickets.ticketOfThread(threadKey(message.channel, m.thread_ts));
      // Slack retries an event it thinks we missed, maybe to another instance: the first to mark it relays it.
      if (!ticket || !(await this.service.tickets.claim(ticket.id, `slack:message:${m.ts}`))) return;
      const user = m.user;
      const ephemeral = (text: string) => this.ephemeral(user, text, m.thread_ts);
      if (m.files?.length) await ephemeral(HELPDESK_SLACK_PHRASES.fileNotRelayed);
      const text = slackToPlainText(m.text ?? '', context.botUserId);
      if (!text) return;
      const agent = this.agentNames.get(user) ?? ticket.agent ?? user;
      await this.relayingFromThread
        .run(ticket.id, () => this.service.fromAgent(ticket.id, agent, text))
        .catch((err: unknown) => this.refused(err, ticket.id, ephemeral));
    });

    // "@bot" inside a ticket thread is the agents talking to the user, not to the bot.
    this.slack.ignoreMentionsWhere(async (channel, threadTs) => channel === this.channelId && threadTs !== undefined && (await this.service.tickets.ticketOfThread(threadKey(channel, threadTs))) !== undefined);
  }

  private async clicked(body: BlockAction<ButtonAction>, action: ButtonAction, act: (ticketId: string, agent: string) => Promise<unknown>): Promise<void> {
    const channel = body.channel?.id;
    const ticketId = action.value;
    if (channel !== this.channelId || !ticketId) return;
    const agent = body.user.name || body.user.username || body.user.id;
    this.agentNames.set(body.user.id, agent);
    await act(ticketId, agent).catch((err: unknown) => this.refused(err, ticketId, (text) => this.ephemeral(body.user.id, text)));
  }

  /** Tells the agent why their click or reply did nothing; unexpected failures are logged too. */
  private async refused(err: unknown, ticketId: string, tell: (text: string) => Promise<void>): Promise<void> {
    if (err instanceof HandoffRefusedError) return tell(HELPDESK_SLACK_PHRASES.refused(err.message));
    if (err instanceof TicketNotFoundError) return tell(HELPDESK_SLACK_PHRASES.notFound(ticketId));
    this.slack.log.error({ err, ticket: ticketId }, 'slack helpdesk: agent action failed');
    await tell(HELPDESK_SLACK_PHRASES.failed);
  }

  private async ephemeral(user: string, text: string, threadTs?: string): Promise<void> {
    await this.client.chat
      .postEphemeral({ channel: this.channelId, user, text: escapeMrkdwn(text), ...(threadTs ? { thread_ts: threadTs } : {}) })
      .catch((err: unknown) => this.slack.log.error({ err }, 'slack helpdesk: chat.postEphemeral failed'));
  }
}

/** The storage key of a ticket's thread. */
export const threadKey = (channel: string, ts: string): string => `slack:${channel}:${ts}`;

/**
 * An agent's Slack message as the user should read it: the bot's own mention dropped, other mentions,
 * channels and links readable, Slack's escapes undone.
 */
export function slackToPlainText(text: string, botUserId?: string): string {
  return text
    .replace(/<([^<>]+)>/g, (_all, inner: string) => {
      const [target = '', label] = inner.split('|');
      if (target.startsWith('@')) return target.slice(1) === botUserId ? '' : `@${label ?? target.slice(1)}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!')) return label ?? `@${target.slice(1).replace(/^subteam\^\w+$/, 'group')}`;
      return label && label !== target ? `${label} (${target})` : target.replace(/^mailto:/, '');
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

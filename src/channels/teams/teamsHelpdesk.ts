import { AsyncLocalStorage } from 'node:async_hooks';
import { ActivityTypes, type Activity, type ChannelAccount, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import { HandoffRefusedError, type HandoffEvent, type HandoffListener, type HandoffService } from '../../handoff/handoffService';
import type { HandoffTicket } from '../../handoff/ticket';
import { TicketNotFoundError } from '../../handoff/ticketStore';
import { TICKET_VIEW_PHRASES, ticketView, type ViewRow } from '../../handoff/ticketView';
import { ADAPTIVE_CARD } from '../../replies/render/adaptiveCard';
import { truncate } from '../../replies/render/blockKit';
import type { TeamsChannel, TeamsRoute } from './teamsChannel';

export interface TeamsHelpdeskSettings {
  /** The helpdesk's Teams channel: 19:…@thread.tacv2 */
  channelId: string;
  /** The connector of the helpdesk's tenant (e.g. https://smba.trafficmanager.net/jp/). */
  serviceUrl: string;
  tenantId?: string;
}

/** What the card's buttons send back in `activity.value`. */
export interface HandoffCardAction {
  handoff: 'take' | 'resolve';
  ticketId: string;
}


const TEAMS = 'msteams';
const TRANSCRIPT_LINES = 15;
/** Cards have a size limit (about 28 KB in Teams); long bot answers are cut in the card, kept whole in the ticket. */
const CARD_LINE_CHARS = 200;

export const TEAMS_HELPDESK_PHRASES = {
  take: TICKET_VIEW_PHRASES.take,
  resolve: TICKET_VIEW_PHRASES.resolve,
  taken: (ticket: HandoffTicket) => `${ticket.agent ?? '担当者'} さんが ${ticket.id} の対応を始めました。このスレッドでボットを @メンションして返信すると、利用者に届きます。`,
  resolved: (ticket: HandoffTicket) => `${ticket.id} は完了しました${ticket.agent ? `（担当: ${ticket.agent}）` : ''}。利用者はボットの案内に戻りました。`,
  fromUser: (text: string) => `利用者: ${text}`,
  fromAgentElsewhere: (agent: string, text: string) => `担当者 (${agent}): ${text}`,
  refused: (reason: string) => `できませんでした: ${reason}`,
  notFound: (id: string) => `受付番号 ${id} の受付は見つかりません。`,
  failed: '処理中にエラーが発生しました。もう一度お試しください。続く場合は管理者にご連絡ください。',
  help: 'このチャネルはヘルプデスクの受付用です。受付ごとにカードのスレッドができます。カードの「対応する」を押して担当になり、そのスレッドでボットを @メンションして返信すると、利用者に届きます。終わったら「完了」を押してください。',
} as const;


/**
 * Tickets in a Teams channel: each ticket is a new thread (reply chain) whose root is an Adaptive
 * Card with the facts, the recent transcript and 対応する / 完了. The user's messages and status
 * changes are posted in the thread; agents' replies in the thread (mentioning the bot) reach the user.
 * Activities from the helpdesk channel never reach the user-facing dialogs.
 */
export class TeamsHelpdesk implements HandoffListener, TeamsRoute {
  readonly name = 'teams-helpdesk';
  /** The ticket whose agent message is being sent from its own thread, so it is not echoed back there. */
  private readonly fromThread = new AsyncLocalStorage<string>();

  constructor(
    private readonly teams: TeamsChannel,
    private readonly settings: TeamsHelpdeskSettings,
    private readonly service: HandoffService,
  ) {
    teams.addRoute(this);
  }

  // ---- tickets → the helpdesk channel ----

  async handle(event: HandoffEvent): Promise<void> {
    const { ticket } = event;
    if (event.kind === 'opened') return this.postTicket(ticket);
    const thread = ticket.helpdesk.teams?.conversationId;
    if (!thread) return; // posted before Teams was configured, or the card could not be posted
    const P = TEAMS_HELPDESK_PHRASES;
    switch (event.kind) {
      case 'taken':
      case 'resolved':
        await this.post(thread, event.kind === 'taken' ? P.taken(ticket) : P.resolved(ticket));
        await this.updateCard(thread, ticket);
        return;
      case 'message':
        if (event.line.from === 'user') return this.post(thread, P.fromUser(event.line.text));
        // Typed in this very thread: the agent sees it there already.
        if (this.fromThread.getStore() === ticket.id) return;
        return this.post(thread, P.fromAgentElsewhere(event.agent ?? ticket.agent ?? '担当者', event.line.text));
    }
  }

  /** A new thread whose root is the ticket's card; posted once, whichever instance is told. */
  private async postTicket(ticket: HandoffTicket): Promise<void> {
    if (!(await this.service.tickets.claim(ticket.id, 'teams:posted'))) return;
    const { channelId, serviceUrl, tenantId } = this.settings;
    const bot = this.botAccount();
    const parameters = {
      isGroup: true,
      channelData: { channel: { id: channelId }, ...(tenantId ? { tenant: { id: tenantId } } : {}) },
      activity: { type: ActivityTypes.Message, ...ticketCard(ticket) },
      ...(tenantId ? { tenantId } : {}),
      ...(bot ? { bot } : {}),
    } as ConversationParameters;
    const conversationId = await this.teams.createConversation(serviceUrl, parameters);
    await this.service.tickets.linkThread(threadKey(conversationId), ticket.id);
    await this.service.tickets.update(ticket.id, (t) => ({ ...t, helpdesk: { ...t.helpdesk, teams: { conversationId } } }));
  }

  // ---- the helpdesk channel → tickets ----

  owns(activity: Partial<Activity>): boolean {
    if (activity.channelId !== TEAMS) return false;
    const id = activity.conversation?.id ?? '';
    const { channelId } = this.settings;
    const channelOfActivity = (activity.channelData as { channel?: { id?: unknown } } | undefined)?.channel?.id;
    return id === channelId || id.startsWith(`${channelId};`) || channelOfActivity === channelId;
  }

  async onTurn(context: TurnContext): Promise<void> {
    const activity = context.activity;
    // Members added, reactions, edits: nothing to do; the bot never greets the helpdesk channel.
    if (activity.type !== ActivityTypes.Message) return;
    // A secret in an agent's message: the guard has warned and emptied it; nothing is relayed.
    if (!activity.text?.trim() && activity.value === undefined) return;
    const agent = activity.from?.name?.trim() || activity.from?.id || '担当者';
    const P = TEAMS_HELPDESK_PHRASES;
    const reply = (text: string) => context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
    const action = cardAction(activity.value);
    try {
      if (action) {
        if (action.handoff === 'take') await this.service.take(action.ticketId, agent);
        else await this.service.resolve(action.ticketId, agent);
        return;
      }
      const ticket = activity.conversation?.id ? await this.service.tickets.ticketOfThread(threadKey(activity.conversation.id)) : undefined;
      // The bot's own mention is gone (middleware); other people's <at>name</at> become plain names.
      const text = (activity.text ?? '').replace(/<at>(.*?)<\/at>/g, '$1').trim();
      if (!ticket || !text) {
        await reply(P.help);
        return;
      }
      await this.fromThread.run(ticket.id, () => this.service.fromAgent(ticket.id, agent, text));
    } catch (err) {
      if (err instanceof HandoffRefusedError) await reply(P.refused(err.message));
      else if (err instanceof TicketNotFoundError) await reply(P.notFound(err.id));
      else {
        this.teams.log.error({ err, conversation: activity.conversation?.id }, 'teams helpdesk: activity failed');
        await reply(P.failed);
      }
    }
  }

  // ---- helpers ----

  private botAccount(): ChannelAccount | undefined {
    return this.teams.botAppId ? { id: `28:${this.teams.botAppId}`, name: '' } : undefined;
  }

  private reference(conversationId: string): Partial<ConversationReference> {
    const bot = this.botAccount();
    return {
      channelId: TEAMS,
      serviceUrl: this.settings.serviceUrl,
      conversation: { id: conversationId, isGroup: true, conversationType: 'channel', name: '', ...(this.settings.tenantId ? { tenantId: this.settings.tenantId } : {}) },
      ...(bot ? { bot } : {}),
    };
  }

  /**
   * Runs `logic` in a thread of the helpdesk channel. The adapter's turn-error handler would swallow
   * a failure (and post the users' error text here); it is caught and thrown to the caller instead.
   */
  private async inThread(conversationId: string, logic: (context: TurnContext) => Promise<unknown>): Promise<void> {
    let failure: unknown;
    await this.teams.continueConversation(this.reference(conversationId), async (context) => {
      try {
        await logic(context);
      } catch (err) {
        failure = err;
      }
    });
    if (failure !== undefined) throw failure;
  }

  private post(conversationId: string, text: string): Promise<void> {
    return this.inThread(conversationId, (context) => context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' }));
  }

  /** Shows the new status (and the buttons that still apply) on the thread's root card. */
  private async updateCard(conversationId: string, ticket: HandoffTicket): Promise<void> {
    const rootId = /;messageid=([^;]+)$/.exec(conversationId)?.[1];
    if (!rootId) return;
    await this.inThread(conversationId, (context) => context.updateActivity({ id: rootId, type: ActivityTypes.Message, ...ticketCard(ticket) }));
  }
}

function threadKey(conversationId: string): string {
  return `teams:${conversationId}`;
}

/** A click on 対応する / 完了 (Teams may deliver the data as an object or, from messageBack, as JSON text). */
export function cardAction(value: unknown): HandoffCardAction | undefined {
  let data = value;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const { handoff, ticketId } = (data ?? {}) as { handoff?: unknown; ticketId?: unknown };
  if ((handoff !== 'take' && handoff !== 'resolve') || typeof ticketId !== 'string' || !ticketId.trim()) return undefined;
  return { handoff, ticketId: ticketId.trim() };
}

/** The ticket's view as an Adaptive Card 1.5: title, summary, rows, facts, the recent transcript, buttons. */
export function ticketCard(ticket: HandoffTicket): { summary: string; attachments: Array<{ contentType: string; content: object }> } {
  const view = ticketView(ticket);
  const V = TICKET_VIEW_PHRASES;
  const text = (value: string, extra: object = {}) => ({ type: 'TextBlock', text: escapeMarkdown(value), wrap: true, ...extra });
  const factSet = (rows: ViewRow[]) => ({ type: 'FactSet', facts: rows.map((r) => ({ title: r.label, value: escapeMarkdown(r.value) })) });
  const lines = view.transcript.slice(-TRANSCRIPT_LINES);
  const body: object[] = [
    text(view.title, { weight: 'Bolder', size: 'Medium' }),
    text(view.summary),
    factSet(view.rows),
    text(V.factsHeading, { weight: 'Bolder', spacing: 'Medium' }),
    view.facts.length > 0 ? factSet(view.facts) : text(V.noFacts, { isSubtle: true }),
    text(`${V.transcriptHeading}（直近${lines.length}件）`, { weight: 'Bolder', spacing: 'Medium' }),
    ...lines.map((line) => text(`${line.speaker}: ${truncate(line.text, CARD_LINE_CHARS)}`, { size: 'Small', spacing: 'Small', ...(line.from === 'bot' ? { isSubtle: true } : {}) })),
    ...(lines.length === 0 ? [text(V.noTranscript, { isSubtle: true, size: 'Small' })] : []),
  ];
  const actions = view.actions.map((action) => ({
    type: 'Action.Submit',
    title: action.label,
    data: { handoff: action.kind, ticketId: ticket.id, msteams: { type: 'messageBack', text: action.label, displayText: action.label } },
  }));
  const content = { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.5', body, actions };
  return { summary: `${ticket.id} ${view.statusLabel}: ${ticket.summary}`.slice(0, 120), attachments: [{ contentType: ADAPTIVE_CARD, content }] };
}

/** Users' words and guide text contain "*" and "_"; Adaptive Cards would read them as markdown. */
function escapeMarkdown(text: string): string {
  return text.replace(/([*_`[\]])/g, '\\$1');
}

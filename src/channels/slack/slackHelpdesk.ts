import { AsyncLocalStorage } from 'node:async_hooks';
import type { BlockAction, ButtonAction } from '@slack/bolt';
import type { TriageFacts } from '../../dialogs/triageFacts';
import { HandoffRefusedError, type HandoffService, type HelpdeskNotifier, type TicketEvent } from '../../handoff/handoffService';
import type { HandoffTicket, TranscriptLine } from '../../handoff/ticket';
import { TicketNotFoundError } from '../../handoff/ticketStore';
import type { SlackChannel } from './slackChannel';

export const HANDOFF_TAKE_ACTION = 'handoff-take';
export const HANDOFF_RESOLVE_ACTION = 'handoff-resolve';

/** Slack's limits: 3000 characters per section text, 2000 per field, 150 for a header, 10 fields per section. */
const MAX_SECTION = 3000;
const MAX_FIELD = 2000;
const MAX_HEADER = 150;
const MAX_FIELDS = 10;
/** The transcript in the ticket message: the last lines, each cut, all within one section. */
const TRANSCRIPT_LINES = 15;
const MAX_TRANSCRIPT_LINE = 300;
/** Thread messages the helpdesk relays; Slack retries an event it thinks we missed. */
const REMEMBERED_EVENTS = 5_000;

type Block = Record<string, unknown>;

export const HELPDESK_SLACK_PHRASES = {
  status: (ticket: HandoffTicket) => (ticket.status === 'waiting' ? '対応待ち' : ticket.status === 'in-progress' ? `対応中（${ticket.agent ?? '担当者'}）` : '完了'),
  take: '対応する',
  resolve: '完了',
  taken: (agent: string) => `${agent} さんが対応を開始しました。このスレッドへの返信は利用者に届きます。`,
  resolved: (agent: string | undefined) => `${agent ? `${agent} さんが` : ''}対応を完了しました。利用者はボットとの会話に戻りました。このスレッドへの返信はもう利用者に届きません。`,
  fromUser: (text: string) => `利用者: ${text}`,
  fromAgent: (agent: string, text: string) => `担当者 (${agent}): ${text}`,
  refused: (reason: string) => `この操作はできませんでした: ${reason}`,
  notFound: (id: string) => `受付 ${id} が見つかりません。`,
  failed: '処理中にエラーが発生しました。もう一度お試しください。',
  fileNotRelayed: 'ファイルは利用者に転送されません。内容を文章で返信してください。',
};

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', msteams: 'Teams', directline: 'Web チャット', webchat: 'Web チャット', console: 'コンソール' };
const SPEAKERS: Record<TranscriptLine['from'], string> = { user: '利用者', bot: 'ボット', agent: '担当者' };

/**
 * Tickets in a Slack channel, one thread each, with 対応する / 完了 buttons; replies in the thread reach the user.
 *
 * The ticket message shows the facts, the (already redacted) transcript and the status, and is updated
 * when the ticket is taken or resolved. The user's messages are posted in its thread; a human reply in
 * that thread goes to the user through HandoffService.fromAgent. Everything else in the channel is
 * left alone (mentions outside ticket threads still reach the bot).
 */
export class SlackHelpdesk implements HelpdeskNotifier {
  readonly name = 'slack-helpdesk';
  /** Set while an agent's reply from a ticket thread is being relayed, so it is not echoed into that thread. */
  private readonly relayingFromThread = new AsyncLocalStorage<string>();
  /** Slack user id → the name they clicked 対応する / 完了 with, for naming their thread replies. */
  private readonly agentNames = new Map<string, string>();
  private readonly handledEvents = new Set<string>();
  private readonly updates = new Map<string, Promise<void>>();

  constructor(
    private readonly slack: SlackChannel,
    private readonly channelId: string,
    private readonly service: HandoffService,
  ) {
    this.listen();
  }

  // ---- HelpdeskNotifier -------------------------------------------------------------------

  async ticketOpened(ticket: HandoffTicket): Promise<void> {
    const posted = await this.client.chat.postMessage({ channel: this.channelId, ...renderTicket(ticket) });
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    const where = { channel: posted.channel ?? this.channelId, ts: posted.ts };
    await this.service.tickets.update(ticket.id, (t) => ({ ...t, helpdesk: { ...t.helpdesk, slack: where } }));
    await this.service.tickets.linkThread(threadKey(where.channel, where.ts), ticket.id);
  }

  async ticketChanged(ticket: HandoffTicket, event: TicketEvent): Promise<void> {
    const where = ticket.helpdesk.slack ?? (await this.service.tickets.get(ticket.id))?.helpdesk.slack;
    if (!where) {
      this.slack.log.warn({ ticket: ticket.id, kind: event.kind }, 'slack helpdesk: the ticket was never posted to Slack');
      return;
    }
    const note = (text: string) => this.client.chat.postMessage({ channel: where.channel, thread_ts: where.ts, text: escape(text) });
    switch (event.kind) {
      case 'taken':
      case 'resolved':
        await this.refresh(ticket, where);
        await note(event.kind === 'taken' ? HELPDESK_SLACK_PHRASES.taken(ticket.agent ?? '担当者') : HELPDESK_SLACK_PHRASES.resolved(ticket.agent));
        return;
      case 'user-message':
        await note(HELPDESK_SLACK_PHRASES.fromUser(event.text ?? ''));
        return;
      case 'agent-message':
        // Written in this very thread: the agents already see it there.
        if (this.relayingFromThread.getStore() === ticket.id) return;
        await note(HELPDESK_SLACK_PHRASES.fromAgent(event.agent ?? ticket.agent ?? '担当者', event.text ?? ''));
        return;
    }
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
      if (this.seen(`${message.channel}:${m.ts}`)) return;
      const ticket = await this.service.tickets.ticketOfThread(threadKey(message.channel, m.thread_ts));
      if (!ticket) return;
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
      .postEphemeral({ channel: this.channelId, user, text: escape(text), ...(threadTs ? { thread_ts: threadTs } : {}) })
      .catch((err: unknown) => this.slack.log.error({ err }, 'slack helpdesk: chat.postEphemeral failed'));
  }

  private seen(key: string): boolean {
    if (this.handledEvents.has(key)) return true;
    this.handledEvents.add(key);
    if (this.handledEvents.size > REMEMBERED_EVENTS) this.handledEvents.delete(this.handledEvents.values().next().value!);
    return false;
  }
}

/** The storage key of a ticket's thread. */
export const threadKey = (channel: string, ts: string): string => `slack:${channel}:${ts}`;

// ---- rendering ------------------------------------------------------------------------------

/** The ticket message: header, summary, status and user, the facts, the transcript, and the buttons its status allows. */
export function renderTicket(ticket: HandoffTicket): { text: string; blocks: Block[] } {
  const status = HELPDESK_SLACK_PHRASES.status(ticket);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`受付 ${ticket.id}｜${status}`, MAX_HEADER), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*${escape(ticket.id)}* ${escape(ticket.summary)}`, MAX_SECTION) } },
  ];
  const fields = [
    field('状態', status),
    ...(ticket.status === 'resolved' && ticket.agent ? [field('担当者', ticket.agent)] : []),
    { type: 'mrkdwn' as const, text: cut(`*利用者*\n${userLabel(ticket)}`, MAX_FIELD) },
    field('チャネル', CHANNEL_NAMES[ticket.channel] ?? ticket.channel),
    field('受付日時', tokyoTime(ticket.createdAt)),
    ...factFields(ticket.facts),
  ];
  for (let i = 0; i < fields.length; i += MAX_FIELDS) blocks.push({ type: 'section', fields: fields.slice(i, i + MAX_FIELDS) });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: transcriptText(ticket.transcript) } });
  const buttons: Block[] = [];
  if (ticket.status === 'waiting') buttons.push({ type: 'button', action_id: HANDOFF_TAKE_ACTION, style: 'primary', text: { type: 'plain_text', text: HELPDESK_SLACK_PHRASES.take }, value: ticket.id });
  if (ticket.status !== 'resolved') {
    buttons.push({
      type: 'button',
      action_id: HANDOFF_RESOLVE_ACTION,
      text: { type: 'plain_text', text: HELPDESK_SLACK_PHRASES.resolve },
      value: ticket.id,
      confirm: {
        title: { type: 'plain_text', text: '対応を完了しますか？' },
        text: { type: 'plain_text', text: '利用者はボットとの会話に戻ります。' },
        confirm: { type: 'plain_text', text: '完了する' },
        deny: { type: 'plain_text', text: 'キャンセル' },
      },
    });
  }
  if (buttons.length) blocks.push({ type: 'actions', block_id: `handoff-${ticket.id}`, elements: buttons });
  const text = escape(`【ヘルプデスク】受付 ${ticket.id}｜${status}: ${ticket.summary}`);
  return { text: cut(text, MAX_SECTION), blocks };
}

function field(title: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: cut(`*${escape(title)}*\n${escape(value)}`, MAX_FIELD) };
}

/** The user as the helpdesk knows them: a Slack user in this workspace is shown as a mention. */
function userLabel(ticket: HandoffTicket): string {
  if (ticket.channel === 'slack' && /^[UW][A-Z0-9]+$/.test(ticket.userName)) return `<@${ticket.userName}>`;
  return escape(ticket.userName || '（不明）');
}

function factFields(facts: TriageFacts): Array<{ type: 'mrkdwn'; text: string }> {
  const out: Array<{ type: 'mrkdwn'; text: string }> = [];
  const add = (title: string, value: string | undefined) => {
    if (value) out.push(field(title, value));
  };
  add('介護保険証明書の発行履歴', facts.certificateHistory);
  add('証明書発行用パスワード', facts.certificatePassword);
  add('電子請求受付システムへのログイン', facts.kjLogin);
  add('ID の種類', facts.idType);
  add('ID の状況', facts.idStatus);
  add('セキュリティ用メールアドレス', facts.securityMail);
  add('エラーメッセージ', facts.errorMessage);
  add('案内済みの手順', facts.shownEntries?.join(', '));
  add('解決しましたか？', facts.feedback?.map((f) => `${f.entryId}: ${f.solved ? 'はい' : 'いいえ'}`).join(', '));
  add('答えられなかった質問', facts.unanswered?.join(' / '));
  return out;
}

/** The last lines, newest last, as many as fit in one section. */
function transcriptText(transcript: TranscriptLine[]): string {
  const recent = transcript.slice(-TRANSCRIPT_LINES);
  const heading = (shown: number) => `*これまでのやり取り*（直近 ${shown} 件／全 ${transcript.length} 件）`;
  if (recent.length === 0) return '*これまでのやり取り*\n（記録なし）';
  const lines: string[] = [];
  for (const line of [...recent].reverse()) {
    const text = escape(`${SPEAKERS[line.from]}: ${cut(line.text.replace(/\s+/g, ' ').trim(), MAX_TRANSCRIPT_LINE)}`);
    if ([heading(lines.length + 1), text, ...lines].join('\n').length > MAX_SECTION) break;
    lines.unshift(text);
  }
  return [heading(lines.length), ...lines].join('\n');
}

function tokyoTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'short' }).format(date);
}

/** Slack mrkdwn treats &, < and > as control characters (and "<!channel>" would ping everyone). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

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

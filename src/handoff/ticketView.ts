import { factRows } from '../knowledge/factTable';
import { topicName, type HandoffTicket, type TicketStatus, type TranscriptLine } from './ticket';

// What the helpdesk sees of a ticket, once, in words: each surface (Teams Adaptive Card, Slack Block
// Kit, the web console) only lays this out within its own limits, as replies/ does for answers.

export interface ViewRow {
  /** Stable name of the row, for a surface that shows one of them its own way (Slack's user mention). */
  key: string;
  label: string;
  value: string;
}

export interface ViewLine {
  from: TranscriptLine['from'];
  speaker: string;
  text: string;
  at: string;
}

export type TicketActionKind = 'take' | 'resolve';

export interface TicketAction {
  kind: TicketActionKind;
  label: string;
  /** Asked before the action, where the surface can ask. */
  confirm?: { title: string; text: string; yes: string; no: string };
}

export interface TicketView {
  id: string;
  title: string;
  status: TicketStatus;
  statusLabel: string;
  summary: string;
  /** About the ticket: number, status, agent, user, channel, times. */
  rows: ViewRow[];
  /** What the bot learned before handing over. */
  facts: ViewRow[];
  /** The whole (already redacted) transcript, oldest first; surfaces with a size limit show the last lines. */
  transcript: ViewLine[];
  /** What an agent can still do, in the order the buttons appear. */
  actions: TicketAction[];
}

export const TICKET_VIEW_PHRASES = {
  title: (id: string) => `ヘルプデスク受付 ${id}`,
  status: (status: TicketStatus, agent?: string) => (status === 'waiting' ? '対応待ち' : status === 'in-progress' ? `対応中（${agent ?? '担当者'}）` : '完了'),
  take: '対応する',
  resolve: '完了',
  confirmResolve: { title: '対応を完了しますか？', text: '利用者はボットとの会話に戻ります。', yes: '完了する', no: 'キャンセル' },
  factsHeading: '確認済みの内容',
  noFacts: '（まだ確認していません）',
  transcriptHeading: 'これまでのやり取り',
  noTranscript: '（記録なし）',
  noName: '（名前なし）',
} as const;

export const SPEAKERS: Record<TranscriptLine['from'], string> = { user: '利用者', bot: 'ボット', agent: '担当者' };

const CHANNEL_NAMES: Record<string, string> = {
  msteams: 'Teams',
  slack: 'Slack',
  directline: 'Web チャット',
  webchat: 'Web チャット',
  emulator: 'Emulator',
  console: 'コンソール',
};

export function channelName(channel: string): string {
  return CHANNEL_NAMES[channel] ?? channel;
}

/** The one description of a ticket that every helpdesk surface renders. */
export function ticketView(ticket: HandoffTicket): TicketView {
  const P = TICKET_VIEW_PHRASES;
  const statusLabel = P.status(ticket.status, ticket.agent);
  const row = (key: string, label: string, value: string | undefined): ViewRow[] => (value ? [{ key, label, value }] : []);
  return {
    id: ticket.id,
    title: P.title(ticket.id),
    status: ticket.status,
    statusLabel,
    summary: ticket.summary,
    rows: [
      ...row('id', '受付番号', ticket.id),
      ...row('status', '状態', statusLabel),
      ...row('agent', '担当者', ticket.agent),
      ...row('user', '利用者', ticket.userName || P.noName),
      ...row('channel', 'チャネル', channelName(ticket.channel)),
      ...row('createdAt', '受付日時', tokyoTime(ticket.createdAt)),
      ...row('takenAt', '対応開始', ticket.takenAt && tokyoTime(ticket.takenAt)),
      ...row('resolvedAt', '完了日時', ticket.resolvedAt && tokyoTime(ticket.resolvedAt)),
    ],
    facts: factsOf(ticket),
    transcript: ticket.transcript.map((line) => ({ from: line.from, speaker: SPEAKERS[line.from], text: line.text, at: line.at })),
    actions: [
      ...(ticket.status === 'waiting' ? [{ kind: 'take' as const, label: P.take }] : []),
      ...(ticket.status !== 'resolved' ? [{ kind: 'resolve' as const, label: P.resolve, confirm: P.confirmResolve }] : []),
    ],
  };
}

/** The collected facts as rows, in the order an agent asks them. */
function factsOf(ticket: HandoffTicket): ViewRow[] {
  const { facts } = ticket;
  const rows: ViewRow[] = factRows(facts).map(([label, value]) => ({ key: label, label, value }));
  const add = (key: string, label: string, value: string | undefined) => {
    if (value) rows.push({ key, label, value });
  };
  add('errorMessage', 'エラーメッセージ', facts.errorMessage);
  add('shownEntries', '案内済みの手順', facts.shownEntries?.join(', '));
  add('feedback', '解決しましたか？', facts.feedback?.map((f) => `${f.entryId}: ${f.solved ? 'はい' : 'いいえ'}`).join(', '));
  add('unanswered', '答えられなかった質問', facts.unanswered?.join(' / '));
  return rows;
}

/** One line of a queue: enough to pick the next ticket without opening it. */
export interface QueueItem {
  id: string;
  status: TicketStatus;
  statusLabel: string;
  channel: string;
  topic: string;
  summary: string;
  userName: string;
  agent?: string;
  createdAt: string;
  takenAt?: string;
  resolvedAt?: string;
  /** The first few facts, the ones an agent reads first. */
  keyFacts: ViewRow[];
}

const KEY_FACTS = 3;

export function queueItem(ticket: HandoffTicket): QueueItem {
  return {
    id: ticket.id,
    status: ticket.status,
    statusLabel: TICKET_VIEW_PHRASES.status(ticket.status, ticket.agent),
    channel: channelName(ticket.channel),
    topic: topicName(ticket.facts.topic),
    summary: ticket.summary,
    userName: ticket.userName || TICKET_VIEW_PHRASES.noName,
    ...(ticket.agent ? { agent: ticket.agent } : {}),
    createdAt: ticket.createdAt,
    ...(ticket.takenAt ? { takenAt: ticket.takenAt } : {}),
    ...(ticket.resolvedAt ? { resolvedAt: ticket.resolvedAt } : {}),
    keyFacts: factsOf(ticket).slice(0, KEY_FACTS),
  };
}

/** 2026/11/19 10:00, in Japan's time whatever the server's zone. */
export function tokyoTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(date);
}

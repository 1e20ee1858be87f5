import type { ConversationReference } from 'botbuilder';
import type { TriageFacts } from '../dialogs/triageFacts';
import { factRows } from '../knowledge/factTable';

export type TicketStatus = 'waiting' | 'in-progress' | 'resolved';
export const TICKET_STATUSES: readonly TicketStatus[] = ['waiting', 'in-progress', 'resolved'];

/** Why the bot handed over. */
export type HandoffReason = 'requested' | 'unsolved' | 'retries' | 'unknown-error';

/** One line of the conversation as the helpdesk sees it; secrets are already redacted. */
export interface TranscriptLine {
  from: 'user' | 'bot' | 'agent';
  text: string;
  at: string;
}

/**
 * A chat handed to the human helpdesk, with everything the bot learned, so the agent does not
 * have to ask again.
 */
export interface HandoffTicket {
  id: string;
  status: TicketStatus;
  reason: HandoffReason;
  /** The user's channel (msteams, slack, directline, …) and how to reach the user there. */
  channel: string;
  conversation: Partial<ConversationReference>;
  userName: string;
  facts: TriageFacts;
  /** One line of Japanese for a queue view. */
  summary: string;
  transcript: TranscriptLine[];
  createdAt: string;
  takenAt?: string;
  resolvedAt?: string;
  agent?: string;
  /**
   * Where the ticket was posted for the helpdesk, to keep one thread per ticket; the thread links to
   * delete with it; markers of what was done once (posted, a Slack message relayed).
   */
  helpdesk: { slack?: { channel: string; ts: string }; teams?: { conversationId: string }; threads?: string[]; markers?: string[] };
}

const REASONS: Record<HandoffReason, string> = {
  requested: '担当者との会話を希望',
  unsolved: 'ボットの案内で解決せず',
  retries: '選択肢に当てはまらない回答が続いた',
  'unknown-error': 'ガイドにないエラーメッセージ',
};

/** "電子証明書: 証明書発行用パスワード: 手元にある／… — ボットの案内で解決せず" */
export function summarize(facts: TriageFacts, reason: HandoffReason): string {
  const parts = factRows(facts).map(([label, value]) => `${label}: ${value}`);
  if (facts.errorMessage) parts.push(`エラー「${facts.errorMessage.slice(0, 60)}」`);
  const topic = facts.topic ? `${topicName(facts.topic)}: ` : '';
  return `${topic}${parts.join('／') || '詳細未確認'} — ${REASONS[reason]}`;
}

export const TOPIC_NAMES: Record<NonNullable<TriageFacts['topic']>, string> = {
  certificate: '電子証明書',
  id: 'ID・パスワード',
  error: 'エラーメッセージ',
  onboarding: '利用開始',
  contact: '問い合わせ',
};

/** The topic as the helpdesk names it; 未分類 before the user chose one. */
export function topicName(topic: TriageFacts['topic']): string {
  return topic ? TOPIC_NAMES[topic] : '未分類';
}

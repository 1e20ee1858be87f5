import type { HandoffTicket } from '../../src/handoff/ticket';

const minutesLater = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** A hand-off ticket opened at `createdAt`, taken and resolved that many minutes later when given (its status to match). */
export function ticketOpenedAt(createdAt: string, takenAfter?: number, resolvedAfter?: number): Omit<HandoffTicket, 'id'> {
  return {
    status: resolvedAfter !== undefined ? 'resolved' : takenAfter !== undefined ? 'in-progress' : 'waiting',
    reason: 'requested',
    channel: 'directline',
    conversation: {},
    userName: '利用者',
    facts: { shownEntries: [], feedback: [], unanswered: [] },
    summary: '電子証明書: 詳細未確認 — 担当者との会話を希望',
    transcript: [],
    createdAt,
    ...(takenAfter !== undefined ? { takenAt: minutesLater(createdAt, takenAfter), agent: '佐藤' } : {}),
    ...(resolvedAfter !== undefined ? { resolvedAt: minutesLater(createdAt, resolvedAfter) } : {}),
    helpdesk: {},
  };
}

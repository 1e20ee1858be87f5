import type { App } from '../../src/app';
import type { ConversationSummary } from '../../src/analytics/model';
import { ticketOpenedAt } from './tickets';

/** The server's clock in the dashboard tests: Thursday 19 Nov 2026 10:00 JST. */
export const DASHBOARD_NOW = new Date('2026-11-19T10:00:00+09:00');
/** The dashboard's default range at DASHBOARD_NOW: the last 7 days. */
export const RANGE = { from: '2026-11-13', to: '2026-11-19' };
/** Kept redacted like every question; on the page it must read as text, not run. */
export const MARKUP_QUESTION = '<img src=x onerror="document.title=1">証明書が<b>消えた</b>';

const at = (iso: string, minutes = 0) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/**
 * A week of helpdesk activity, recorded through the app's own analytics recorder and ticket store
 * (what the bot's turns call): conversations on several days and topics, guide entries with their
 * 解決しましたか？ answers, unanswered questions, and hand-off tickets opened at several hours,
 * some taken and resolved.
 */
export async function recordWeek(app: App): Promise<void> {
  const conversation = (startedAt: string, change: Partial<ConversationSummary>): ConversationSummary => ({
    channel: 'directline',
    startedAt,
    lastAt: at(startedAt, 5),
    questions: 1,
    answers: 1,
    unsolved: 0,
    ...change,
  });
  const conversations: Array<[string, ConversationSummary]> = [
    ['c1', conversation('2026-11-13T09:10:00+09:00', { topic: 'certificate', outcome: 'resolved' })],
    ['c2', conversation('2026-11-13T11:00:00+09:00', { topic: 'certificate', outcome: 'escalated', reason: 'unsolved', unsolved: 2 })],
    ['c3', conversation('2026-11-16T14:00:00+09:00', { topic: 'id', outcome: 'resolved' })],
    ['c4', conversation('2026-11-16T15:30:00+09:00', { topic: 'id' })], // abandoned
    ['c5', conversation('2026-11-17T10:00:00+09:00', { topic: 'error', outcome: 'escalated', reason: 'unknown-error' })],
    ['c6', conversation('2026-11-18T18:20:00+09:00', { topic: 'certificate', outcome: 'resolved' })],
    ['c7', conversation('2026-11-18T19:00:00+09:00', { topic: 'onboarding', outcome: 'escalated', reason: 'requested' })],
    ['c8', conversation('2026-11-19T09:05:00+09:00', { topic: 'certificate', outcome: 'resolved' })],
    ['c9', conversation('2026-11-19T09:50:00+09:00', { topic: 'error' })], // still in progress at 10:00
  ];
  for (const [id, summary] of conversations) app.analytics.conversation(id, summary);
  const shown: Array<[string, 'certificate' | 'id' | 'error', number, number, number]> = [
    // entry, topic, shown, はい, いいえ
    ['cert-install-dx', 'certificate', 5, 3, 1],
    ['cert-history-check', 'certificate', 3, 1, 2],
    ['faq-q1', 'id', 2, 2, 0],
    ['error-password-expired', 'error', 1, 0, 1],
  ];
  for (const [entry, topic, times, yes, no] of shown) {
    for (let i = 0; i < times; i++) app.analytics.answered(entry, topic);
    for (let i = 0; i < yes; i++) app.analytics.feedback(entry, true);
    for (let i = 0; i < no; i++) app.analytics.feedback(entry, false);
  }
  for (const [question, times] of [['請求の締め日はいつですか', 3], [MARKUP_QUESTION, 2], ['=SUM(A1:A9)', 1]] as const) {
    for (let i = 0; i < times; i++) app.analytics.question('unanswered', question);
  }
  // Tickets: opened at 09:xx, 10:xx (twice), 18:xx and 03:xx JST; taken after 4, 12 and 30 minutes, resolved after 20 and 95.
  const tickets: Array<[string, number?, number?]> = [
    ['2026-11-13T11:05:00+09:00', 4, 20],
    ['2026-11-17T10:02:00+09:00', 12, 95],
    ['2026-11-17T10:40:00+09:00', 30],
    ['2026-11-18T19:01:00+09:00'],
    ['2026-11-19T03:15:00+09:00'],
    ['2026-11-12T10:00:00+09:00', 1, 2], // the day before the range
  ];
  for (const [createdAt, takenAfter, resolvedAfter] of tickets) await app.handoff.tickets.create(ticketOpenedAt(at(createdAt), takenAfter, resolvedAfter));
  await app.analytics.flush();
}

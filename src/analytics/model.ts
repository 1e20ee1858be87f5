import type { HandoffReason } from '../handoff/ticket';
import type { Decision } from '../knowledge/router';
import type { Topic } from '../knowledge/schema';
import { redactSecrets } from '../safety/secrets';

/** The helpdesk's time zone: a "day" of analytics is a calendar day there. */
export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';
/** A conversation idle this long without 解決した or a hand-off is abandoned; the next message starts a new one. */
export const ABANDON_AFTER_MINUTES = 30;
/** Questions are kept redacted and cut to this many characters. */
export const MAX_QUESTION_CHARS = 200;
/** Distinct questions kept per kind, day and writer; the rest are counted under OTHER_QUESTIONS. */
export const MAX_DISTINCT_QUESTIONS = 500;
export const OTHER_QUESTIONS = '(other questions)';

export type RouterDecision = Decision;
export const ROUTER_DECISIONS: readonly RouterDecision[] = ['answer', 'unsure', 'off-topic'];
export const HANDOFF_REASONS: readonly HandoffReason[] = ['requested', 'unsolved', 'retries', 'unknown-error'];
export type QuestionKind = 'unanswered' | 'unsure';
export type Outcome = 'resolved' | 'escalated';

/**
 * One conversation with the bot as analytics sees it: from a user's message to 解決した, a hand-off, or
 * ABANDON_AFTER_MINUTES of silence. Counts and times only; no text, no user or conversation id.
 */
export interface ConversationSummary {
  channel: string;
  startedAt: string;
  lastAt: string;
  /** The topic it ended on (the last one a dialog settled on, else that of the first answer shown). */
  topic?: Topic;
  /** Free-text questions routed. */
  questions: number;
  /** Guide entries shown. */
  answers: number;
  /** いいえ to 解決しましたか？ */
  unsolved: number;
  outcome?: Outcome;
  reason?: HandoffReason;
}

/**
 * Counters of one day by family and key: turns by channel, router decisions, answers / solved /
 * unsolved by entry id, escalations by reason, unanswered / unsure by question text.
 */
export type CounterFamily = 'turns' | 'decisions' | 'answers' | 'solved' | 'unsolved' | 'escalations' | 'unanswered' | 'unsure';
export type Counts = Partial<Record<CounterFamily, Record<string, number>>>;

/** What one writer (a running bot) recorded on one day; conversations by their random session id. */
export interface DayData {
  counts: Counts;
  conversations: Record<string, ConversationSummary>;
}

export const emptyDay = (): DayData => ({ counts: {}, conversations: {} });

export function addCount(counts: Counts, family: CounterFamily, key: string, n = 1): void {
  const values = (counts[family] ??= {});
  values[key] = (values[key] ?? 0) + n;
}

/** Sums `from` into `into` (in place); question families stay within MAX_DISTINCT_QUESTIONS keys when `capQuestions`. */
export function mergeDay(into: DayData, from: DayData, capQuestions = false): DayData {
  for (const [family, values] of Object.entries(from.counts) as Array<[CounterFamily, Record<string, number>]>) {
    const capped = capQuestions && (family === 'unanswered' || family === 'unsure');
    for (const [key, n] of Object.entries(values)) {
      const known = into.counts[family]?.[key] !== undefined;
      const full = Object.keys(into.counts[family] ?? {}).length >= MAX_DISTINCT_QUESTIONS;
      addCount(into.counts, family, capped && !known && full ? OTHER_QUESTIONS : key, n);
    }
  }
  for (const [id, summary] of Object.entries(from.conversations)) {
    const known = into.conversations[id];
    // Snapshots of one conversation: the newest wins (two bots may have served its turns).
    if (!known || known.lastAt <= summary.lastAt) into.conversations[id] = summary;
  }
  return into;
}

/** What is kept of a question: secrets redacted, width and spaces folded, at most MAX_QUESTION_CHARS characters. */
export function keptQuestion(text: string): string {
  const folded = text
    .normalize('NFKC')
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim();
  return Array.from(redactSecrets(folded)).slice(0, MAX_QUESTION_CHARS).join('');
}

/** Channel labels are a closed set: an anonymous client may send any channelId. */
const KNOWN_CHANNELS = new Set(['msteams', 'slack', 'directline', 'webchat', 'emulator', 'console', 'test']);
export const channelLabel = (channelId: string | undefined): string => (channelId && KNOWN_CHANNELS.has(channelId) ? channelId : 'other');

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using it, and every turn counts under its day. */
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `date` in `timeZone`, as YYYY-MM-DD. */
export function dayOf(date: Date, timeZone: string): string {
  let formatter = dayFormatters.get(timeZone);
  if (!formatter) dayFormatters.set(timeZone, (formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = formatter.formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The `count` days ending with the day of `now` (in `timeZone`), oldest first. */
export function lastDays(now: Date, count: number, timeZone: string): string[] {
  const [y, m, d] = dayOf(now, timeZone).split('-').map(Number) as [number, number, number];
  const days: string[] = [];
  for (let i = count - 1; i >= 0; i--) days.push(new Date(Date.UTC(y, m - 1, d - i)).toISOString().slice(0, 10));
  return days;
}

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive), oldest first; empty when `to` is before `from`. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The hour (0–23) of `date` on the clock in `timeZone`. */
export function hourOf(date: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(date));
}

// ---- Storage keys ----

/** Which writers (bot instances) recorded something on a day. */
export const indexKey = (day: string) => `analytics/index/${day}`;
/** One writer's data of one day: only that writer ever writes it. */
export const dayKey = (day: string, writer: string) => `analytics/day/${day}/${writer}`;

import type { Storage } from 'botbuilder';
import type { HandoffReason, HandoffTicket } from '../handoff/ticket';
import { TicketStore } from '../handoff/ticketStore';
import { ABANDON_AFTER_MINUTES, dayKey, dayOf, daysBetween, emptyDay, HANDOFF_REASONS, hourOf, indexKey, lastDays, mergeDay, ROUTER_DECISIONS, type ConversationSummary, type DayData } from './model';

/** Calendar days (YYYY-MM-DD, in the helpdesk's time zone), both included. */
export interface DayRange {
  from: string;
  to: string;
}

export interface ReportOptions {
  now: Date;
  /** The days reported: the last `days` days (today included), or `from` to `to`. */
  range: { days: number } | DayRange;
  timeZone: string;
  /** How many questions (and entries) to list. */
  top?: number;
  abandonAfterMinutes?: number;
}

export type ConversationState = 'resolved' | 'escalated' | 'abandoned' | 'in-progress' | 'no-question';

export interface OutcomeCounts {
  conversations: number;
  resolved: number;
  escalated: number;
  abandoned: number;
  inProgress: number;
  noQuestion: number;
}

/** Median and 90th percentile (nearest rank) in minutes, of `count` tickets; null when there is none. */
export interface Durations {
  count: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface AnalyticsReport {
  from: string;
  to: string;
  days: number;
  timeZone: string;
  generatedAt: string;
  abandonAfterMinutes: number;
  summary: OutcomeCounts;
  /** Every day of the range, by the day each conversation started. */
  daily: Array<{ day: string } & OutcomeCounts>;
  /** resolved / (resolved + escalated + abandoned); null when there is none of them. */
  containmentRate: number | null;
  topics: Array<{ topic: string } & OutcomeCounts>;
  escalations: Array<{ reason: HandoffReason; count: number }>;
  decisions: Array<{ decision: string; count: number }>;
  turns: Array<{ channel: string; count: number }>;
  /** Guide entries shown, with the 解決しましたか？ answers, most いいえ first. */
  entries: Array<{ entryId: string; shown: number; solved: number; unsolved: number }>;
  /** Guide entries by how often they were shown. */
  shownEntries: Array<{ entryId: string; shown: number }>;
  unanswered: Array<{ question: string; count: number }>;
  unsure: Array<{ question: string; count: number }>;
  /** Hand-off tickets opened in the range (by their tickets, while the store keeps them). */
  handoffs: {
    opened: number;
    /** Tickets opened per hour of the day (0–23), in the helpdesk's time zone. */
    byHour: number[];
    /** From opening to an agent taking it, of the tickets taken. */
    timeToTake: Durations;
    /** From opening to resolved, of the tickets resolved. */
    timeToResolve: Durations;
  };
}

/** What a report is built from. */
export interface ReportData extends DayRange {
  data: DayData;
  /** Hand-off tickets opened in the range. */
  tickets?: HandoffTicket[];
}

/** The report straight from a store: what `npm run report`, GET /api/analytics and the dashboard show. */
export async function reportFrom(storage: Storage, options: ReportOptions): Promise<AnalyticsReport> {
  return buildReport(await readRange(storage, resolveRange(options), options.timeZone), options);
}

/** The longest report, in days. */
export const MAX_REPORT_DAYS = 366;

const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

/** What is wrong with `from`..`to` as a report's range (real dates, in order, at most MAX_REPORT_DAYS), or undefined. */
export function rangeProblem(from: string, to: string): string | undefined {
  if (!isDay(from) || !isDay(to)) return 'from and to must be dates (YYYY-MM-DD)';
  if (from > to) return 'from must not be after to';
  if (daysBetween(from, to).length > MAX_REPORT_DAYS) return `at most ${MAX_REPORT_DAYS} days`;
  return undefined;
}

/** The days a report covers. */
export function resolveRange({ range, now, timeZone }: Pick<ReportOptions, 'range' | 'now' | 'timeZone'>): DayRange {
  if ('from' in range) return range;
  const days = lastDays(now, range.days, timeZone);
  return { from: days[0]!, to: days[days.length - 1]! };
}

/** Every writer's data of the days `from`..`to` summed (conversations: the newest snapshot of each), and the tickets opened then. */
export async function readRange(storage: Storage, { from, to }: DayRange, timeZone: string): Promise<ReportData> {
  const range = daysBetween(from, to);
  const indexes = await storage.read(range.map(indexKey));
  const keys = range.flatMap((day) => ((indexes[indexKey(day)] as { writers?: string[] } | undefined)?.writers ?? []).map((writer) => dayKey(day, writer)));
  const items = keys.length > 0 ? await storage.read(keys) : {};
  const data = emptyDay();
  for (const key of keys) {
    const item = items[key] as Partial<DayData> | undefined;
    if (item) mergeDay(data, { counts: item.counts ?? {}, conversations: item.conversations ?? {} });
  }
  const tickets = (await new TicketStore(storage).list()).filter((t) => {
    const day = dayOf(new Date(t.createdAt), timeZone);
    return day >= from && day <= to;
  });
  return { from, to, data, tickets };
}

/** Where a conversation stands at `now`. */
export function conversationState(c: ConversationSummary, now: Date, abandonAfterMinutes = ABANDON_AFTER_MINUTES): ConversationState {
  if (c.outcome) return c.outcome;
  if (c.questions === 0 && c.answers === 0 && !c.topic) return 'no-question';
  return now.getTime() - Date.parse(c.lastAt) > abandonAfterMinutes * 60_000 ? 'abandoned' : 'in-progress';
}

/** resolved / (resolved + escalated + abandoned), or null when nothing has ended yet. */
export function containmentRate(counts: Pick<OutcomeCounts, 'resolved' | 'escalated' | 'abandoned'>): number | null {
  const ended = counts.resolved + counts.escalated + counts.abandoned;
  return ended === 0 ? null : counts.resolved / ended;
}

const noOutcomes = (): OutcomeCounts => ({ conversations: 0, resolved: 0, escalated: 0, abandoned: 0, inProgress: 0, noQuestion: 0 });
const STATE_FIELD: Record<ConversationState, keyof OutcomeCounts> = {
  resolved: 'resolved',
  escalated: 'escalated',
  abandoned: 'abandoned',
  'in-progress': 'inProgress',
  'no-question': 'noQuestion',
};

/** Code-point order: the same on every machine, whatever its locale. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byCount = <T extends { count: number }>(key: (item: T) => string) => (a: T, b: T) => b.count - a.count || compareText(key(a), key(b));
const ranked = (values: Record<string, number> | undefined) =>
  Object.entries(values ?? {})
    .map(([question, count]) => ({ question, count }))
    .sort(byCount((q) => q.question));

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

function durations(minutes: number[]): Durations {
  const sorted = [...minutes].sort((a, b) => a - b);
  const round = (m: number) => Math.round(m * 10) / 10;
  return sorted.length === 0 ? { count: 0, medianMinutes: null, p90Minutes: null } : { count: sorted.length, medianMinutes: round(percentile(sorted, 0.5)), p90Minutes: round(percentile(sorted, 0.9)) };
}

const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

export function buildReport(read: ReportData, options: Omit<ReportOptions, 'range'>): AnalyticsReport {
  const { now, top = 10 } = options;
  const abandonAfterMinutes = options.abandonAfterMinutes ?? ABANDON_AFTER_MINUTES;
  const { counts, conversations } = read.data;
  const tickets = read.tickets ?? [];
  const days = daysBetween(read.from, read.to);
  const daily = new Map(days.map((day) => [day, noOutcomes()]));
  const summary = noOutcomes();
  const topics = new Map<string, OutcomeCounts>();
  const reasons = new Map<HandoffReason, number>(HANDOFF_REASONS.map((r) => [r, 0]));
  for (const c of Object.values(conversations)) {
    const state = conversationState(c, now, abandonAfterMinutes);
    const topic = c.topic ?? '(none)';
    if (!topics.has(topic)) topics.set(topic, noOutcomes());
    const day = daily.get(dayOf(new Date(c.startedAt), options.timeZone));
    for (const tally of [summary, topics.get(topic)!, ...(day ? [day] : [])]) {
      tally.conversations++;
      tally[STATE_FIELD[state]]++;
    }
    if (state === 'escalated' && c.reason) reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + 1);
  }
  const entryIds = new Set([...Object.keys(counts.answers ?? {}), ...Object.keys(counts.solved ?? {}), ...Object.keys(counts.unsolved ?? {})]);
  const entries = [...entryIds]
    .map((entryId) => ({ entryId, shown: counts.answers?.[entryId] ?? 0, solved: counts.solved?.[entryId] ?? 0, unsolved: counts.unsolved?.[entryId] ?? 0 }))
    .sort((a, b) => b.unsolved - a.unsolved || b.shown - a.shown || compareText(a.entryId, b.entryId));
  return {
    from: read.from,
    to: read.to,
    days: days.length,
    timeZone: options.timeZone,
    generatedAt: now.toISOString(),
    abandonAfterMinutes,
    summary,
    daily: [...daily].map(([day, tally]) => ({ day, ...tally })),
    containmentRate: containmentRate(summary),
    topics: [...topics].map(([topic, tally]) => ({ topic, ...tally })).sort((a, b) => b.conversations - a.conversations || compareText(a.topic, b.topic)),
    escalations: [...reasons].map(([reason, count]) => ({ reason, count })).sort(byCount((e) => e.reason)),
    decisions: ROUTER_DECISIONS.map((decision) => ({ decision, count: counts.decisions?.[decision] ?? 0 })),
    turns: Object.entries(counts.turns ?? {})
      .map(([channel, count]) => ({ channel, count }))
      .sort(byCount((t) => t.channel)),
    entries: entries.slice(0, top),
    shownEntries: entries
      .filter((e) => e.shown > 0)
      .map(({ entryId, shown }) => ({ entryId, shown }))
      .sort((a, b) => b.shown - a.shown || compareText(a.entryId, b.entryId))
      .slice(0, top),
    unanswered: ranked(counts.unanswered).slice(0, top),
    unsure: ranked(counts.unsure).slice(0, top),
    handoffs: {
      opened: tickets.length,
      byHour: tickets.reduce((hours, t) => (hours[hourOf(new Date(t.createdAt), options.timeZone)]!++, hours), Array<number>(24).fill(0)),
      timeToTake: durations(tickets.flatMap((t) => (t.takenAt ? [minutesBetween(t.createdAt, t.takenAt)] : []))),
      timeToResolve: durations(tickets.flatMap((t) => (t.resolvedAt ? [minutesBetween(t.createdAt, t.resolvedAt)] : []))),
    },
  };
}

// ---- Output ----

/** User text on one terminal line: no line breaks, no control sequences. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
const percent = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);

const durationText = (d: Durations, what: string) => (d.count === 0 ? `n/a (none ${what})` : `median ${d.medianMinutes} min, p90 ${d.p90Minutes} min (${d.count} ${what})`);

/** The report for a terminal. */
export function formatText(r: AnalyticsReport): string {
  const s = r.summary;
  const pad = (text: string | number, width: number) => String(text).padStart(width);
  const lines = [
    `Helpdesk bot analytics, ${r.from} to ${r.to} (${r.days} day${r.days === 1 ? '' : 's'}, ${r.timeZone})`,
    '',
    `Conversations          ${pad(s.conversations, 6)}`,
    `  resolved by the bot  ${pad(s.resolved, 6)}   解決した`,
    `  escalated            ${pad(s.escalated, 6)}   handed to the helpdesk`,
    `  abandoned            ${pad(s.abandoned, 6)}   neither, idle over ${r.abandonAfterMinutes} min`,
    `  in progress          ${pad(s.inProgress, 6)}`,
    `  no question asked    ${pad(s.noQuestion, 6)}   a greeting, nothing asked; not in the rate`,
    `Containment rate       ${pad(percent(r.containmentRate), 6)}   resolved / (resolved + escalated + abandoned) = ${s.resolved} / ${s.resolved + s.escalated + s.abandoned}`,
    '',
    'Conversations per day    resolved  escalated  abandoned  in progress',
    ...r.daily.map((d) => `  ${d.day.padEnd(22)}${pad(d.resolved, 9)}${pad(d.escalated, 11)}${pad(d.abandoned, 11)}${pad(d.inProgress, 13)}`),
    '',
    'Top topics                conversations  resolved  escalated  abandoned  containment',
    ...r.topics.map((t) => `  ${t.topic.padEnd(24)}${pad(t.conversations, 13)}${pad(t.resolved, 10)}${pad(t.escalated, 11)}${pad(t.abandoned, 11)}${pad(percent(containmentRate(t)), 13)}`),
    '',
    'Escalations by reason',
    ...r.escalations.map((e) => `  ${e.reason.padEnd(24)}${pad(e.count, 6)}`),
    '',
    'Router decisions on free-text questions',
    ...r.decisions.map((d) => `  ${d.decision.padEnd(24)}${pad(d.count, 6)}`),
    '',
    'Guide entries (most いいえ first)     shown  solved  unsolved',
    ...(r.entries.length ? r.entries.map((e) => `  ${e.entryId.padEnd(34)}${pad(e.shown, 7)}${pad(e.solved, 8)}${pad(e.unsolved, 10)}`) : ['  (none)']),
    '',
    'Guide entries most shown              shown',
    ...(r.shownEntries.length ? r.shownEntries.map((e) => `  ${e.entryId.padEnd(34)}${pad(e.shown, 7)}`) : ['  (none)']),
    '',
    `Hand-offs opened       ${pad(r.handoffs.opened, 6)}`,
    `  by hour (${r.timeZone})  ${r.handoffs.byHour.map((n, hour) => `${String(hour).padStart(2, '0')}:${n}`).join(' ')}`,
    `  time to take         ${durationText(r.handoffs.timeToTake, 'taken')}`,
    `  time to resolve      ${durationText(r.handoffs.timeToResolve, 'resolved')}`,
    '',
    'Top unanswered questions (redacted)',
    ...(r.unanswered.length ? r.unanswered.map((q) => `  ${pad(q.count, 5)}  ${oneLine(q.question)}`) : ['  (none)']),
    '',
    'Top questions the router was unsure about (redacted)',
    ...(r.unsure.length ? r.unsure.map((q) => `  ${pad(q.count, 5)}  ${oneLine(q.question)}`) : ['  (none)']),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The report as one long CSV table, `section,name,value`, for spreadsheets. Question texts are user
 * input: a leading = + - @ gets a ' so a spreadsheet never runs it as a formula.
 */
export function formatCsv(r: AnalyticsReport): string {
  const rows: Array<[string, string, string | number]> = [
    ['period', 'from', r.from],
    ['period', 'to', r.to],
    ['period', 'days', r.days],
    ['period', 'time_zone', r.timeZone],
    ['period', 'abandon_after_minutes', r.abandonAfterMinutes],
    ['summary', 'conversations', r.summary.conversations],
    ['summary', 'resolved_by_bot', r.summary.resolved],
    ['summary', 'escalated', r.summary.escalated],
    ['summary', 'abandoned', r.summary.abandoned],
    ['summary', 'in_progress', r.summary.inProgress],
    ['summary', 'no_question', r.summary.noQuestion],
    ['summary', 'containment_rate', r.containmentRate === null ? '' : r.containmentRate.toFixed(4)],
  ];
  for (const d of r.daily) rows.push(['day_resolved', d.day, d.resolved], ['day_escalated', d.day, d.escalated], ['day_abandoned', d.day, d.abandoned], ['day_in_progress', d.day, d.inProgress]);
  for (const t of r.topics) {
    rows.push(['topic_conversations', t.topic, t.conversations], ['topic_resolved', t.topic, t.resolved], ['topic_escalated', t.topic, t.escalated], ['topic_abandoned', t.topic, t.abandoned]);
  }
  for (const e of r.escalations) rows.push(['escalation_reason', e.reason, e.count]);
  for (const d of r.decisions) rows.push(['router_decision', d.decision, d.count]);
  for (const t of r.turns) rows.push(['channel_turns', t.channel, t.count]);
  for (const e of r.entries) rows.push(['entry_shown', e.entryId, e.shown], ['entry_solved', e.entryId, e.solved], ['entry_unsolved', e.entryId, e.unsolved]);
  for (const e of r.shownEntries) rows.push(['entry_most_shown', e.entryId, e.shown]);
  const { opened, byHour, timeToTake, timeToResolve } = r.handoffs;
  const orBlank = (minutes: number | null) => minutes ?? '';
  rows.push(['handoffs', 'opened', opened], ['handoffs', 'taken', timeToTake.count], ['handoffs', 'take_median_minutes', orBlank(timeToTake.medianMinutes)], ['handoffs', 'take_p90_minutes', orBlank(timeToTake.p90Minutes)]);
  rows.push(['handoffs', 'resolved', timeToResolve.count], ['handoffs', 'resolve_median_minutes', orBlank(timeToResolve.medianMinutes)], ['handoffs', 'resolve_p90_minutes', orBlank(timeToResolve.p90Minutes)]);
  byHour.forEach((count, hour) => rows.push(['handoff_hour', String(hour).padStart(2, '0'), count]));
  for (const q of r.unanswered) rows.push(['unanswered', noFormula(q.question), q.count]);
  for (const q of r.unsure) rows.push(['unsure', noFormula(q.question), q.count]);
  return `${[['section', 'name', 'value'], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

/** User text for a spreadsheet: a leading = + - @ gets a ' so it is never run as a formula. */
export const noFormula = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** One RFC 4180 field. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

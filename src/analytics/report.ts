import type { Storage } from 'botbuilder';
import type { HandoffReason } from '../handoff/ticket';
import { ABANDON_AFTER_MINUTES, dayKey, emptyDay, HANDOFF_REASONS, indexKey, lastDays, mergeDay, ROUTER_DECISIONS, type ConversationSummary, type DayData } from './model';

export interface ReportOptions {
  now: Date;
  /** How many days, today included. */
  days: number;
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

export interface AnalyticsReport {
  from: string;
  to: string;
  days: number;
  timeZone: string;
  generatedAt: string;
  abandonAfterMinutes: number;
  summary: OutcomeCounts;
  /** resolved / (resolved + escalated + abandoned); null when there is none of them. */
  containmentRate: number | null;
  topics: Array<{ topic: string } & OutcomeCounts>;
  escalations: Array<{ reason: HandoffReason; count: number }>;
  decisions: Array<{ decision: string; count: number }>;
  turns: Array<{ channel: string; count: number }>;
  /** Guide entries shown, with the 解決しましたか？ answers, most いいえ first. */
  entries: Array<{ entryId: string; shown: number; solved: number; unsolved: number }>;
  unanswered: Array<{ question: string; count: number }>;
  unsure: Array<{ question: string; count: number }>;
}

/** Every writer's data of the last `days` days, summed (conversations: the newest snapshot of each). */
export async function readDays(storage: Storage, now: Date, days: number, timeZone: string): Promise<{ from: string; to: string; data: DayData }> {
  const range = lastDays(now, days, timeZone);
  const indexes = await storage.read(range.map(indexKey));
  const keys = range.flatMap((day) => ((indexes[indexKey(day)] as { writers?: string[] } | undefined)?.writers ?? []).map((writer) => dayKey(day, writer)));
  const items = keys.length > 0 ? await storage.read(keys) : {};
  const data = emptyDay();
  for (const key of keys) {
    const item = items[key] as Partial<DayData> | undefined;
    if (item) mergeDay(data, { counts: item.counts ?? {}, conversations: item.conversations ?? {} });
  }
  return { from: range[0]!, to: range[range.length - 1]!, data };
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

export function buildReport(read: { from: string; to: string; data: DayData }, options: ReportOptions): AnalyticsReport {
  const { now, top = 10 } = options;
  const abandonAfterMinutes = options.abandonAfterMinutes ?? ABANDON_AFTER_MINUTES;
  const { counts, conversations } = read.data;
  const summary = noOutcomes();
  const topics = new Map<string, OutcomeCounts>();
  const reasons = new Map<HandoffReason, number>(HANDOFF_REASONS.map((r) => [r, 0]));
  for (const c of Object.values(conversations)) {
    const state = conversationState(c, now, abandonAfterMinutes);
    const topic = c.topic ?? '(none)';
    if (!topics.has(topic)) topics.set(topic, noOutcomes());
    for (const tally of [summary, topics.get(topic)!]) {
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
    days: options.days,
    timeZone: options.timeZone,
    generatedAt: now.toISOString(),
    abandonAfterMinutes,
    summary,
    containmentRate: containmentRate(summary),
    topics: [...topics].map(([topic, tally]) => ({ topic, ...tally })).sort((a, b) => b.conversations - a.conversations || compareText(a.topic, b.topic)),
    escalations: [...reasons].map(([reason, count]) => ({ reason, count })).sort(byCount((e) => e.reason)),
    decisions: ROUTER_DECISIONS.map((decision) => ({ decision, count: counts.decisions?.[decision] ?? 0 })),
    turns: Object.entries(counts.turns ?? {})
      .map(([channel, count]) => ({ channel, count }))
      .sort(byCount((t) => t.channel)),
    entries: entries.slice(0, top),
    unanswered: ranked(counts.unanswered).slice(0, top),
    unsure: ranked(counts.unsure).slice(0, top),
  };
}

// ---- Output ----

/** User text on one terminal line: no line breaks, no control sequences. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
const percent = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`);

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
  for (const t of r.topics) {
    rows.push(['topic_conversations', t.topic, t.conversations], ['topic_resolved', t.topic, t.resolved], ['topic_escalated', t.topic, t.escalated], ['topic_abandoned', t.topic, t.abandoned]);
  }
  for (const e of r.escalations) rows.push(['escalation_reason', e.reason, e.count]);
  for (const d of r.decisions) rows.push(['router_decision', d.decision, d.count]);
  for (const t of r.turns) rows.push(['channel_turns', t.channel, t.count]);
  for (const e of r.entries) rows.push(['entry_shown', e.entryId, e.shown], ['entry_solved', e.entryId, e.solved], ['entry_unsolved', e.entryId, e.unsolved]);
  for (const q of r.unanswered) rows.push(['unanswered', noFormula(q.question), q.count]);
  for (const q of r.unsure) rows.push(['unsure', noFormula(q.question), q.count]);
  return `${[['section', 'name', 'value'], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

const noFormula = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

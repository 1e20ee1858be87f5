import { MemoryStorage } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { emptyDay, lastDays, type ConversationSummary, type DayData } from '../../src/analytics/model';
import { buildReport, containmentRate, conversationState, formatCsv, formatText, rangeProblem, readRange } from '../../src/analytics/report';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { TicketStore } from '../../src/handoff/ticketStore';
import { ticketOpenedAt } from '../support/tickets';
import { csvValue, DAY, minutesAfter, parseCsv, T0 } from './support';

const conversation = (change: Partial<ConversationSummary> & { idleMinutes?: number }): ConversationSummary => {
  const { idleMinutes = 0, ...rest } = change;
  return { channel: 'directline', startedAt: T0.toISOString(), lastAt: minutesAfter(-idleMinutes, minutesAfter(60)).toISOString(), questions: 1, answers: 1, unsolved: 0, ...rest };
};
/** The report at T0 + 60 min, over the day of T0. */
const reportOf = (data: DayData) => buildReport({ from: '2026-11-19', to: '2026-11-19', data }, { now: minutesAfter(60), timeZone: 'Asia/Tokyo' });

describe('containment', () => {
  it('is resolved / (resolved + escalated + abandoned); in progress and no-question conversations are left out', () => {
    const data = emptyDay();
    data.conversations = {
      a: conversation({ outcome: 'resolved', topic: 'certificate' }),
      b: conversation({ outcome: 'resolved', topic: 'certificate', idleMinutes: 50 }),
      c: conversation({ outcome: 'escalated', reason: 'unsolved', topic: 'id', unsolved: 2 }),
      d: conversation({ topic: 'id', idleMinutes: 31 }), // abandoned
      e: conversation({ topic: 'error', idleMinutes: 29 }), // still in progress
      f: conversation({ questions: 0, answers: 0, idleMinutes: 45 }), // a greeting only
    };
    const report = reportOf(data);
    expect(report.summary).toEqual({ conversations: 6, resolved: 2, escalated: 1, abandoned: 1, inProgress: 1, noQuestion: 1 });
    expect(report.containmentRate).toBe(0.5);
    expect(report.topics).toEqual([
      { topic: 'certificate', conversations: 2, resolved: 2, escalated: 0, abandoned: 0, inProgress: 0, noQuestion: 0 },
      { topic: 'id', conversations: 2, resolved: 0, escalated: 1, abandoned: 1, inProgress: 0, noQuestion: 0 },
      { topic: '(none)', conversations: 1, resolved: 0, escalated: 0, abandoned: 0, inProgress: 0, noQuestion: 1 },
      { topic: 'error', conversations: 1, resolved: 0, escalated: 0, abandoned: 0, inProgress: 1, noQuestion: 0 },
    ]);
    expect(report.escalations[0]).toEqual({ reason: 'unsolved', count: 1 });
  });

  it('is null (n/a) when no conversation has ended', () => {
    expect(containmentRate({ resolved: 0, escalated: 0, abandoned: 0 })).toBeNull();
    const report = reportOf(emptyDay());
    expect(report.containmentRate).toBeNull();
    expect(formatText(report)).toMatch(/Containment rate\s+n\/a/);
    expect(csvValue(parseCsv(formatCsv(report)), 'summary', 'containment_rate')).toBe('');
  });

  it('abandoned means idle for more than the limit, with neither outcome', () => {
    const now = minutesAfter(60);
    expect(conversationState(conversation({ idleMinutes: 30 }), now)).toBe('in-progress');
    expect(conversationState(conversation({ idleMinutes: 30.1 }), now)).toBe('abandoned');
    expect(conversationState(conversation({ idleMinutes: 90, outcome: 'escalated' }), now)).toBe('escalated');
    expect(conversationState(conversation({ idleMinutes: 90, questions: 0, answers: 0 }), now)).toBe('no-question');
    expect(conversationState(conversation({ idleMinutes: 90, questions: 0, answers: 0, topic: 'id' }), now)).toBe('abandoned');
    expect(conversationState(conversation({ idleMinutes: 20 }), now, 10)).toBe('abandoned');
  });
});

describe('report output', () => {
  const data = emptyDay();
  data.conversations = { a: conversation({ outcome: 'resolved', topic: 'certificate' }), b: conversation({ topic: 'id', idleMinutes: 40 }) };
  data.counts = {
    unanswered: { '=HYPERLINK("http://evil")': 1, 'say "hi", please\nnow': 3 },
    unsure: { 証明書: 2 },
    decisions: { answer: 4, unsure: 2 },
    answers: { 'cert-install-dx': 3 },
    solved: { 'cert-install-dx': 1 },
    unsolved: { 'cert-install-dx': 2 },
  };
  const report = reportOf(data);

  it('CSV: section,name,value rows, quoted as RFC 4180, formulas defused', () => {
    const csv = formatCsv(report);
    expect(csv.startsWith('section,name,value\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows.every((r) => r.length === 3)).toBe(true);
    expect(csvValue(rows, 'summary', 'conversations')).toBe('2');
    expect(csvValue(rows, 'summary', 'resolved_by_bot')).toBe('1');
    expect(csvValue(rows, 'summary', 'abandoned')).toBe('1');
    expect(csvValue(rows, 'summary', 'containment_rate')).toBe('0.5000');
    expect(csvValue(rows, 'topic_conversations', 'certificate')).toBe('1');
    expect(csvValue(rows, 'topic_abandoned', 'id')).toBe('1');
    expect(csvValue(rows, 'router_decision', 'off-topic')).toBe('0');
    expect(csvValue(rows, 'entry_unsolved', 'cert-install-dx')).toBe('2');
    expect(rows.filter((r) => r[0] === 'unanswered')).toEqual([
      ['unanswered', 'say "hi", please\nnow', '3'],
      ['unanswered', `'=HYPERLINK("http://evil")`, '1'],
    ]);
    expect(csvValue(rows, 'unsure', '証明書')).toBe('2');
  });

  it('text: the rate with its definition, topics, questions', () => {
    const text = formatText(report);
    expect(text).toMatch(/Containment rate\s+50\.0%\s+resolved \/ \(resolved \+ escalated \+ abandoned\) = 1 \/ 2\n/);
    expect(text).toMatch(/certificate\s+1\s+1\s+0\s+0\s+100\.0%/);
    // User text stays on its line.
    expect(text).toMatch(/\s3 {2}say "hi", please now\n/);
  });

  it('--top limits the questions and entries', () => {
    const top1 = buildReport({ from: '2026-11-19', to: '2026-11-19', data }, { now: minutesAfter(60), timeZone: 'Asia/Tokyo', top: 1 });
    expect(top1.unanswered).toHaveLength(1);
    expect(top1.unanswered[0]!.count).toBe(3);
  });

  it('days are calendar days in the helpdesk time zone', () => {
    // 2026-11-19 16:00 UTC is already the 20th in Tokyo.
    expect(lastDays(new Date('2026-11-19T16:00:00Z'), 3, 'Asia/Tokyo')).toEqual(['2026-11-18', '2026-11-19', '2026-11-20']);
    expect(lastDays(new Date('2026-03-01T00:00:00+09:00'), 2, 'Asia/Tokyo')).toEqual(['2026-02-28', '2026-03-01']);
  });
});

describe('per day, guide entries shown, and hand-offs', () => {
  const ticket = (createdAt: string, takenAfter?: number, resolvedAfter?: number): HandoffTicket => ({ id: `HD-${createdAt}`, ...ticketOpenedAt(createdAt, takenAfter, resolvedAfter) });

  it('counts each day of the range by the day its conversations started, zeros included', () => {
    const data = emptyDay();
    data.conversations = {
      a: conversation({ outcome: 'resolved', startedAt: '2026-11-17T23:30:00+09:00' }),
      b: conversation({ outcome: 'escalated', startedAt: '2026-11-19T00:10:00+09:00' }),
      c: conversation({ idleMinutes: 45, startedAt: '2026-11-19T09:00:00+09:00' }),
    };
    const report = buildReport({ from: '2026-11-17', to: '2026-11-19', data }, { now: minutesAfter(60), timeZone: 'Asia/Tokyo' });
    expect(report.days).toBe(3);
    expect(report.daily.map(({ day, resolved, escalated, abandoned }) => ({ day, resolved, escalated, abandoned }))).toEqual([
      { day: '2026-11-17', resolved: 1, escalated: 0, abandoned: 0 },
      { day: '2026-11-18', resolved: 0, escalated: 0, abandoned: 0 },
      { day: '2026-11-19', resolved: 0, escalated: 1, abandoned: 1 },
    ]);
    const rows = parseCsv(formatCsv(report));
    expect(csvValue(rows, 'day_escalated', '2026-11-19')).toBe('1');
    expect(csvValue(rows, 'day_resolved', '2026-11-18')).toBe('0');
  });

  it('lists guide entries by how often they were shown, apart from the 解決しましたか？ order', () => {
    const data = emptyDay();
    data.counts = { answers: { 'faq-q1': 5, 'cert-3-1': 2, 'id-reissue': 2 }, unsolved: { 'cert-3-1': 2 }, solved: { 'faq-q1': 4 } };
    const report = buildReport({ from: DAY, to: DAY, data }, { now: T0, timeZone: 'Asia/Tokyo' });
    expect(report.shownEntries).toEqual([
      { entryId: 'faq-q1', shown: 5 },
      { entryId: 'cert-3-1', shown: 2 },
      { entryId: 'id-reissue', shown: 2 },
    ]);
    expect(report.entries[0]).toEqual({ entryId: 'cert-3-1', shown: 2, solved: 0, unsolved: 2 });
    expect(formatText(report)).toMatch(/Guide entries most shown\s+shown\n\s+faq-q1\s+5\n/);
  });

  it('hand-offs by hour of the day in Tokyo, time to take and to resolve (median and p90, nearest rank)', () => {
    const tickets = [
      ticket('2026-11-19T00:30:00Z', 5, 60), // 09:30 JST
      ticket('2026-11-19T01:10:00Z', 10, 30), // 10:10
      ticket('2026-11-19T01:50:00Z', 20), // 10:50, taken, not resolved
      ticket('2026-11-19T09:00:00Z'), // 18:00, waiting
    ];
    const report = buildReport({ from: DAY, to: DAY, data: emptyDay(), tickets }, { now: T0, timeZone: 'Asia/Tokyo' });
    expect(report.handoffs.opened).toBe(4);
    expect(report.handoffs.byHour[9]).toBe(1);
    expect(report.handoffs.byHour[10]).toBe(2);
    expect(report.handoffs.byHour[18]).toBe(1);
    expect(report.handoffs.byHour.reduce((a, b) => a + b)).toBe(4);
    expect(report.handoffs.timeToTake).toEqual({ count: 3, medianMinutes: 10, p90Minutes: 20 });
    expect(report.handoffs.timeToResolve).toEqual({ count: 2, medianMinutes: 30, p90Minutes: 60 });
    const rows = parseCsv(formatCsv(report));
    expect(csvValue(rows, 'handoff_hour', '10')).toBe('2');
    expect(csvValue(rows, 'handoffs', 'take_p90_minutes')).toBe('20');
    expect(formatText(report)).toContain('time to take         median 10 min, p90 20 min (3 taken)');
    const none = buildReport({ from: DAY, to: DAY, data: emptyDay() }, { now: T0, timeZone: 'Asia/Tokyo' });
    expect(none.handoffs.timeToResolve).toEqual({ count: 0, medianMinutes: null, p90Minutes: null });
    expect(csvValue(parseCsv(formatCsv(none)), 'handoffs', 'resolve_median_minutes')).toBe('');
  });

  it('reads from a store only the tickets opened in the range (by the Tokyo day)', async () => {
    const storage = new MemoryStorage();
    const store = new TicketStore(storage);
    for (const t of [ticket('2026-11-17T14:59:00Z'), ticket('2026-11-17T15:00:00Z', 3), ticket('2026-11-19T14:59:00Z'), ticket('2026-11-19T15:00:00Z')]) {
      const { id, ...rest } = t;
      await store.create(rest, id);
    }
    const read = await readRange(storage, { from: '2026-11-18', to: '2026-11-19' }, 'Asia/Tokyo');
    expect(read.tickets?.map((t) => t.createdAt)).toEqual(['2026-11-17T15:00:00Z', '2026-11-19T14:59:00Z']);
  });

  it('a range must be real dates, in order, and at most a year and a day', () => {
    expect(rangeProblem('2026-11-01', '2026-11-30')).toBeUndefined();
    expect(rangeProblem('2026-02-30', '2026-03-01')).toMatch(/YYYY-MM-DD/);
    expect(rangeProblem('2026-11-30', '2026-11-01')).toMatch(/after/);
    expect(rangeProblem('2025-01-01', '2026-01-02')).toMatch(/366/);
  });
});

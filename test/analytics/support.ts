import type { Activity, Storage, TestAdapter } from 'botbuilder';
import { AnalyticsRecorder } from '../../src/analytics/recorder';
import { createBot } from '../../src/bot/createBot';
import { replyActivity } from '../../src/replies/activity';
import { hoursPolicy } from '../../src/replies/knowledgeReplies';
import { kb, ProactiveTestAdapter, router } from '../support/testBot';

/** testBot()'s clock: Thursday 19 Nov 2026 10:00 JST (the helpdesk is open). */
export const T0 = new Date('2026-11-19T10:00:00+09:00');
export const DAY = '2026-11-19';
export const minutesAfter = (minutes: number, from = T0) => new Date(from.getTime() + minutes * 60_000);

/** A clock the test moves. */
export class Clock {
  constructor(public current = T0) {}
  now = () => this.current;
  advance(minutes: number): void {
    this.current = minutesAfter(minutes, this.current);
  }
}

/**
 * The real bot on a TestAdapter, as testBot() builds it, but on a given store and clock (testBot's
 * are a fresh MemoryStorage and a fixed time), with a recorder that flushes only when told.
 */
export function analyticsBot(storage: Storage, clock = new Clock(), conversationId = 'analytics-1') {
  const analytics = new AnalyticsRecorder(storage, { now: clock.now, timeZone: kb.contact.hours.timeZone, flushIntervalMs: 60_000 });
  const assembled = createBot({ kb, router, storage, hours: hoursPolicy(kb.contact, []), now: clock.now, analytics });
  const adapter: TestAdapter = new ProactiveTestAdapter(async (context) => assembled.bot.run(context), { channelId: 'test' } as Partial<Activity>);
  adapter.conversation.conversation!.id = conversationId;
  for (const m of assembled.middleware) adapter.use(m);
  assembled.handoff.setSender('test', (reference, reply) =>
    adapter.continueConversation(reference, async (context) => {
      await context.sendActivity(replyActivity(reply));
    }),
  );
  return { adapter, storage, clock, ...assembled };
}

/** Parses `section,name,value` CSV (RFC 4180 quoting) into rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      (row = []), (field = ''), i++;
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** The value of one `section,name` row of the report's CSV. */
export function csvValue(rows: string[][], section: string, name: string): string | undefined {
  return rows.find((r) => r[0] === section && r[1] === name)?.[2];
}

import { randomBytes } from 'node:crypto';
import type { Storage, StoreItem } from 'botbuilder';
import type { HandoffReason } from '../handoff/ticket';
import { retryOnETagConflict } from '../storage/eTagRetry';
import type { Topic } from '../knowledge/schema';
import { silentLogger, type Logger } from '../logging';
import { HelpdeskMetrics } from './metrics';
import {
  addCount,
  channelLabel,
  dayKey,
  dayOf,
  DEFAULT_TIME_ZONE,
  emptyDay,
  indexKey,
  keptQuestion,
  mergeDay,
  type ConversationSummary,
  type DayData,
  type QuestionKind,
  type RouterDecision,
} from './model';
import { reportFrom, type AnalyticsReport, type DayRange, type ReportOptions } from './report';

export interface RecorderOptions {
  now?: () => Date;
  /** Days are calendar days here (the helpdesk's time zone). */
  timeZone?: string;
  /** How long events wait in memory before they are written (one write per day touched). */
  flushIntervalMs?: number;
  log?: Logger;
}


/**
 * Records what happens in conversations (no message text except redacted unanswered/unsure
 * questions) and keeps it in botbuilder Storage, next to the conversation state.
 *
 * Events are counted in memory at once (the Prometheus counters, and a pending batch) and written
 * every few seconds. Each running bot writes only its own record per day
 * (`analytics/day/<day>/<writer>`, writer = a random id per process), so many turns a second cost
 * one write per flush and bots sharing a store (Redis) never contend for a record; every write is
 * still an eTag-checked read-modify-write, retried on conflict. The day's index lists the writers
 * (appended once per writer and day, eTag-checked, re-checked at every flush); readers sum them.
 */
export class AnalyticsRecorder {
  readonly metrics = new HelpdeskMetrics();
  readonly timeZone: string;
  /** This process's writer id. */
  readonly writer = randomBytes(6).toString('hex');
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly flushIntervalMs: number;
  private pending = new Map<string, DayData>();
  /** Days whose index lists this writer, seen there long enough after the append to be sure it stays. */
  private readonly verified = new Set<string>();
  /** Days this writer appended itself to, and when (ms). */
  private readonly appended = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly storage: Storage,
    options: RecorderOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.flushIntervalMs = options.flushIntervalMs ?? 5000;
    this.log = options.log ?? silentLogger();
  }

  // ---- Events ----

  turn(channelId: string | undefined): void {
    const channel = channelLabel(channelId);
    this.metrics.turns.inc({ channel });
    this.count('turns', channel);
  }

  /** Counted for /metrics; the report counts the conversations' own records. */
  conversationStarted(): void {
    this.metrics.conversations.inc();
  }

  /** The latest state of a conversation (kept under the day it started; the newest snapshot wins). */
  conversation(id: string, summary: ConversationSummary): void {
    this.day(dayOf(new Date(summary.startedAt), this.timeZone)).conversations[id] = { ...summary };
    this.schedule();
  }

  routed(decision: RouterDecision): void {
    this.metrics.decisions.inc({ decision });
    this.count('decisions', decision);
  }

  answered(entryId: string, topic: Topic): void {
    this.metrics.answers.inc({ topic });
    this.count('answers', entryId);
  }

  /** 解決しましたか？ answered: はい (solved) or いいえ. */
  feedback(entryId: string, solved: boolean): void {
    if (solved) this.metrics.resolved.inc();
    else this.metrics.unsolved.inc();
    this.count(solved ? 'solved' : 'unsolved', entryId);
  }

  escalated(reason: HandoffReason): void {
    this.metrics.escalations.inc({ reason });
    this.count('escalations', reason);
  }

  /** A question the bot could not answer, or was unsure about: always redacted and cut before it is kept. */
  question(kind: QuestionKind, text: string): void {
    const kept = keptQuestion(text);
    if (!kept) return;
    this.metrics.questions.inc({ kind });
    this.count(kind, kept);
  }

  // ---- Persistence ----

  /** Writes what is pending; resolves when it is in the store (a failure is logged and kept for the next flush). */
  flush(): Promise<void> {
    const run = () => this.flushOnce();
    this.flushing = this.flushing.then(run, run);
    return this.flushing;
  }

  /** Flushes and stops writing (events are still counted for /metrics). Call before closing the store. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The report over the last `days` days or the days `from`..`to`, everything recorded so far included. */
  async report(options: Pick<ReportOptions, 'top' | 'abandonAfterMinutes'> & { now?: Date } & ({ days: number } | DayRange)): Promise<AnalyticsReport> {
    await this.flush();
    const { now = this.now(), top, abandonAfterMinutes } = options;
    return reportFrom(this.storage, { now, top, abandonAfterMinutes, timeZone: this.timeZone, range: 'days' in options ? { days: options.days } : { from: options.from, to: options.to } });
  }

  private count(family: Parameters<typeof addCount>[1], key: string): void {
    addCount(this.day(dayOf(this.now(), this.timeZone)).counts, family, key);
    this.schedule();
  }

  private day(day: string): DayData {
    let data = this.pending.get(day);
    if (!data) this.pending.set(day, (data = emptyDay()));
    return data;
  }

  private schedule(): void {
    if (this.timer || this.closed || (this.pending.size === 0 && this.unverified().length === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private unverified(): string[] {
    return [...this.appended.keys()].filter((day) => !this.verified.has(day));
  }

  private async flushOnce(): Promise<void> {
    if (this.closed) return;
    for (const day of this.unverified()) {
      if (this.pending.has(day)) continue;
      await this.register(day).catch((err: unknown) => this.log.warn({ err, day }, 'analytics: checking the day index failed'));
    }
    if (this.pending.size === 0) {
      this.schedule();
      return;
    }
    const batch = this.pending;
    this.pending = new Map();
    for (const [day, data] of batch) {
      try {
        await this.register(day);
        await retryOnETagConflict(async () => {
          const key = dayKey(day, this.writer);
          const stored = (await this.storage.read([key]))[key] as (DayData & StoreItem) | undefined;
          const merged = mergeDay({ counts: stored?.counts ?? {}, conversations: stored?.conversations ?? {} }, data, true);
          // Only this writer writes this key: '*' creates it; after that the eTag guards it.
          await this.storage.write({ [key]: { ...merged, eTag: stored?.eTag ?? '*' } });
        });
        batch.delete(day);
      } catch (err) {
        this.metrics.flushFailures.inc();
        this.log.warn({ err, day }, 'analytics: writing to the state store failed; retrying at the next flush');
      }
    }
    // What could not be written goes back in front of what arrived meanwhile.
    if (batch.size > 0) {
      for (const [day, data] of this.pending) batch.set(day, mergeDay(batch.get(day) ?? emptyDay(), data));
      this.pending = batch;
    }
    this.schedule();
  }

  /**
   * Lists this writer in the day's index. Storage has no "create if absent": two writers creating a
   * day's index at once (at midnight, say) both write with '*' and the second drops the first. So
   * after appending, the writer checks again one flush interval later (by then any such write has
   * landed; later ones see the index and are eTag-checked) and appends again if it is missing.
   */
  private async register(day: string): Promise<void> {
    if (this.verified.has(day)) return;
    await retryOnETagConflict(async () => {
      const key = indexKey(day);
      const index = (await this.storage.read([key]))[key] as ({ writers: string[] } & StoreItem) | undefined;
      if (index?.writers.includes(this.writer)) {
        if (Date.now() - (this.appended.get(day) ?? 0) >= this.flushIntervalMs) this.verified.add(day);
        return;
      }
      await this.storage.write({ [key]: { writers: [...(index?.writers ?? []), this.writer], eTag: index?.eTag ?? '*' } });
      this.appended.set(day, Date.now());
    });
  }

}

import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { AnalyticsRecorder } from '../../src/analytics/recorder';
import { dayKey, indexKey, MAX_QUESTION_CHARS } from '../../src/analytics/model';
import { CHOICES } from '../../src/dialogs/phrases';
import { REDACTED } from '../../src/safety/secrets';
import { say, storageText, testBot } from '../support/testBot';
import { analyticsBot, Clock, DAY, minutesAfter, T0 } from './support';

const REISSUE = '証明書発行用パスワードの再発行方法を教えてください';
const LUNCH = '今日のお昼ご飯は何がいいですか';
const VAGUE = '確認したい';

/** What the recorder wrote for one day (all writers summed), straight from the store. */
async function stored(storage: Storage, day = DAY) {
  const index = (await storage.read([indexKey(day)]))[indexKey(day)] as { writers: string[]; eTag: string } | undefined;
  const keys = (index?.writers ?? []).map((w) => dayKey(day, w));
  const items = keys.length ? await storage.read(keys) : {};
  return { index, records: keys.map((k) => items[k] as { counts: Record<string, Record<string, number>>; conversations: Record<string, Record<string, unknown>>; eTag: string }) };
}

describe('the recorder on real conversations (testBot)', () => {
  it('counts conversations, answers, 解決した, hand-offs, router decisions and questions', async () => {
    const bot = testBot();
    // 1: answered, はい → resolved by the bot.
    await say(bot.adapter, REISSUE);
    await say(bot.adapter, 'はい');
    // 2: answered, いいえ, hand-off accepted → escalated (unsolved). キャンセル goes to the hand-off, not to analytics.
    await say(bot.adapter, REISSUE);
    await say(bot.adapter, 'いいえ');
    expect((await say(bot.adapter, CHOICES.handoff.yes)).join('\n')).toContain('担当者におつなぎします');
    await say(bot.adapter, 'キャンセル');
    // 3: an off-topic question, then a vague one and その他: no answer, no outcome.
    await say(bot.adapter, LUNCH);
    await say(bot.adapter, VAGUE);
    await say(bot.adapter, 'その他');

    const { metrics } = bot.analytics;
    expect(metrics.conversations.get()).toBe(3);
    expect(metrics.resolved.get()).toBe(1);
    expect(metrics.unsolved.get()).toBe(1);
    expect(metrics.escalations.get({ reason: 'unsolved' })).toBe(1);
    expect(metrics.decisions.get({ decision: 'answer' })).toBe(2);
    expect(metrics.decisions.get({ decision: 'off-topic' })).toBe(1);
    expect(metrics.decisions.get({ decision: 'unsure' })).toBe(1);
    expect(metrics.turns.get({ channel: 'test' })).toBe(9);
    expect(metrics.answers.get({ topic: 'certificate' })).toBe(2);

    // Nothing is written before the flush (batched); then one record for this writer, listed in the day's index.
    expect((await stored(bot.storage)).index).toBeUndefined();
    const now = minutesAfter(0);
    let report = await bot.analytics.report({ days: 1, now });
    expect(report.summary).toEqual({ conversations: 3, resolved: 1, escalated: 1, abandoned: 0, inProgress: 1, noQuestion: 0 });
    expect(report.containmentRate).toBe(0.5);
    const { index, records } = await stored(bot.storage);
    expect(index?.writers).toEqual([bot.analytics.writer]);
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0]!.conversations)).toHaveLength(3);

    // 31 minutes later the third is abandoned.
    report = await bot.analytics.report({ days: 1, now: minutesAfter(31) });
    expect(report.summary).toMatchObject({ resolved: 1, escalated: 1, abandoned: 1, inProgress: 0 });
    expect(report.containmentRate).toBeCloseTo(1 / 3);
    expect(report.topics).toEqual([
      { topic: 'certificate', conversations: 2, resolved: 1, escalated: 1, abandoned: 0, inProgress: 0, noQuestion: 0 },
      { topic: '(none)', conversations: 1, resolved: 0, escalated: 0, abandoned: 1, inProgress: 0, noQuestion: 0 },
    ]);
    expect(report.escalations).toContainEqual({ reason: 'unsolved', count: 1 });
    expect(report.decisions).toEqual([
      { decision: 'answer', count: 2 },
      { decision: 'unsure', count: 1 },
      { decision: 'off-topic', count: 1 },
    ]);
    expect(report.entries[0]).toEqual({ entryId: 'cert-password-reissue', shown: 2, solved: 1, unsolved: 1 });
    expect(report.unanswered).toEqual([
      { question: LUNCH, count: 1 },
      { question: VAGUE, count: 1 },
    ]);
    expect(report.unsure).toEqual([{ question: VAGUE, count: 1 }]);
    expect(report.turns).toEqual([{ channel: 'test', count: 9 }]);
  });

  it('a greeting alone is a conversation without a question; the menu topic alone makes it a question', async () => {
    const bot = testBot();
    await say(bot.adapter, 'こんにちは');
    let report = await bot.analytics.report({ days: 1, now: minutesAfter(60) });
    expect(report.summary).toMatchObject({ conversations: 1, noQuestion: 1, abandoned: 0 });
    expect(report.containmentRate).toBeNull();
    await say(bot.adapter, 'ID・パスワード');
    report = await bot.analytics.report({ days: 1, now: minutesAfter(60) });
    expect(report.summary).toMatchObject({ conversations: 1, noQuestion: 0, abandoned: 1 });
    expect(report.topics[0]).toMatchObject({ topic: 'id', abandoned: 1 });
  });

  it('利用開始までの流れ → 大丈夫です counts as resolved; 担当者 from the menu as escalated (requested)', async () => {
    const bot = testBot();
    await say(bot.adapter, '利用開始までの流れ');
    await say(bot.adapter, '大丈夫です');
    await say(bot.adapter, '担当者');
    const report = await bot.analytics.report({ days: 1, now: T0 });
    expect(report.summary).toMatchObject({ conversations: 2, resolved: 1, escalated: 1 });
    expect(report.topics.find((t) => t.topic === 'onboarding')).toMatchObject({ resolved: 1 });
    expect(report.escalations).toContainEqual({ reason: 'requested', count: 1 });
  });

  it('a new question after 30 minutes of silence starts a new conversation; the old one is then abandoned', async () => {
    const clock = new Clock();
    const bot = analyticsBot(new MemoryStorage(), clock);
    await say(bot.adapter, LUNCH);
    clock.advance(45);
    await say(bot.adapter, REISSUE);
    const report = await bot.analytics.report({ days: 1 });
    expect(report.summary).toMatchObject({ conversations: 2, abandoned: 1, inProgress: 1 });
    expect(report.topics).toEqual([expect.objectContaining({ topic: '(none)', abandoned: 1 }), expect.objectContaining({ topic: 'certificate', inProgress: 1 })]);
    expect(bot.analytics.metrics.conversations.get()).toBe(2);
  });

  it('はい to 解決しましたか？ an hour later (the steps took time) resolves the same conversation', async () => {
    const clock = new Clock();
    const bot = analyticsBot(new MemoryStorage(), clock);
    await say(bot.adapter, REISSUE);
    // Seen in between: abandoned, for now.
    expect((await bot.analytics.report({ days: 1, now: minutesAfter(40) })).summary).toMatchObject({ conversations: 1, abandoned: 1 });
    clock.advance(60);
    await say(bot.adapter, 'はい');
    const report = await bot.analytics.report({ days: 1 });
    expect(report.summary).toMatchObject({ conversations: 1, resolved: 1, abandoned: 0 });
    expect(report.containmentRate).toBe(1);
  });

  it('conversations are kept under the day they started, counters under the day of the event', async () => {
    const clock = new Clock(new Date('2026-11-19T23:50:00+09:00'));
    const bot = analyticsBot(new MemoryStorage(), clock);
    await say(bot.adapter, REISSUE);
    clock.advance(20); // 00:10 JST on the 20th
    await say(bot.adapter, 'はい');
    await bot.analytics.flush();
    const [nineteenth, twentieth] = [(await stored(bot.storage, '2026-11-19')).records[0]!, (await stored(bot.storage, '2026-11-20')).records[0]!];
    expect(Object.values(nineteenth.conversations)).toEqual([expect.objectContaining({ outcome: 'resolved', topic: 'certificate' })]);
    expect(nineteenth.counts.answers).toEqual({ 'cert-password-reissue': 1 });
    expect(twentieth.counts.solved).toEqual({ 'cert-password-reissue': 1 });
    expect(twentieth.conversations).toEqual({});
    const report = await bot.analytics.report({ days: 2 });
    expect(report).toMatchObject({ from: '2026-11-19', to: '2026-11-20', summary: { conversations: 1, resolved: 1 } });
  });
});

describe('questions are kept redacted', () => {
  it('a pasted password in an unanswered question is replaced, and the text cut', async () => {
    const storage = new MemoryStorage();
    const recorder = new AnalyticsRecorder(storage, { now: () => T0 });
    recorder.question('unanswered', 'ログインできません。パスワードは Abc12345 です');
    recorder.question('unsure', `PW: Zx9!kq77 ${'長'.repeat(500)}`);
    await recorder.flush();
    const raw = storageText(storage);
    expect(raw).not.toContain('Abc12345');
    expect(raw).not.toContain('Zx9!kq77');
    const report = await recorder.report({ days: 1 });
    expect(report.unanswered).toEqual([{ question: `ログインできません。パスワードは ${REDACTED} です`, count: 1 }]);
    expect(report.unsure[0]!.question.startsWith(`PW: ${REDACTED}`)).toBe(true);
    expect(Array.from(report.unsure[0]!.question)).toHaveLength(MAX_QUESTION_CHARS);
  });

  it('through the bot: the secret guard drops the message, and nothing of it reaches the analytics', async () => {
    const bot = testBot();
    await say(bot.adapter, 'ログインできない パスワードは Abc12345 です');
    await say(bot.adapter, LUNCH);
    await bot.analytics.flush();
    expect(storageText(bot.storage)).not.toContain('Abc12345');
    expect((await bot.analytics.report({ days: 1 })).unanswered).toEqual([{ question: LUNCH, count: 1 }]);
  });

  it('the same question in other widths and spacing is counted once', async () => {
    const recorder = new AnalyticsRecorder(new MemoryStorage(), { now: () => T0 });
    recorder.question('unanswered', 'ＫＪのＩＤ  変更');
    recorder.question('unanswered', ' KJのID 変更 ');
    expect((await recorder.report({ days: 1 })).unanswered).toEqual([{ question: 'KJのID 変更', count: 2 }]);
  });
});

/** A store whose writes the test can interfere with, as another bot instance would. */
class Interfering implements Storage {
  readonly inner = new MemoryStorage();
  beforeWrite?: (changes: StoreItems) => Promise<void>;
  writes = 0;
  read(keys: string[]) {
    return this.inner.read(keys);
  }
  async write(changes: StoreItems) {
    this.writes++;
    await this.beforeWrite?.(changes);
    return this.inner.write(changes);
  }
  delete(keys: string[]) {
    return this.inner.delete(keys);
  }
}

describe('storage: eTags, retries, several writers', () => {
  it('a record changed between read and write (eTag conflict) is read again and merged, nothing lost or doubled', async () => {
    const storage = new Interfering();
    const recorder = new AnalyticsRecorder(storage, { now: () => T0 });
    recorder.routed('answer');
    await recorder.flush();
    const key = dayKey(DAY, recorder.writer);
    let interfered = 0;
    storage.beforeWrite = async (changes) => {
      if (!(key in changes) || interfered >= 3) return;
      interfered++;
      // Someone else's write lands first: the recorder's eTag is now stale.
      const current = (await storage.inner.read([key]))[key] as { counts: { decisions: Record<string, number> } };
      current.counts.decisions.unsure = (current.counts.decisions.unsure ?? 0) + 1;
      await storage.inner.write({ [key]: current });
    };
    recorder.routed('answer');
    recorder.routed('off-topic');
    await recorder.flush();
    expect(interfered).toBe(3);
    const record = (await storage.read([key]))[key] as { counts: { decisions: Record<string, number> } };
    expect(record.counts.decisions).toEqual({ answer: 2, 'off-topic': 1, unsure: 3 });
  });

  it('two bots on one store each write their own record; the report sums them', async () => {
    const storage = new MemoryStorage();
    const a = analyticsBot(storage, new Clock(), 'conv-a');
    const b = analyticsBot(storage, new Clock(), 'conv-b');
    await Promise.all([say(a.adapter, REISSUE), say(b.adapter, REISSUE)]);
    await Promise.all([say(a.adapter, 'はい'), say(b.adapter, 'いいえ')]);
    await Promise.all([a.analytics.flush(), b.analytics.flush()]);
    const report = await a.analytics.report({ days: 1 });
    expect(report.summary).toMatchObject({ conversations: 2, resolved: 1 });
    expect(report.entries[0]).toEqual({ entryId: 'cert-password-reissue', shown: 2, solved: 1, unsolved: 1 });
    expect((await stored(storage)).index?.writers.sort()).toEqual([a.analytics.writer, b.analytics.writer].sort());
  });

  it('a writer dropped from the day index by a concurrent creation lists itself again', async () => {
    const storage = new MemoryStorage();
    const recorder = new AnalyticsRecorder(storage, { now: () => T0, flushIntervalMs: 20 });
    recorder.routed('answer');
    await recorder.flush();
    // Another instance that also found no index writes its own with '*', dropping this writer.
    await storage.write({ [indexKey(DAY)]: { writers: ['other'], eTag: '*' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stored(storage)).index?.writers).toEqual(['other', recorder.writer]);
    await recorder.close();
  });

  it('a failed write is kept and written at the next flush', async () => {
    const storage = new Interfering();
    const recorder = new AnalyticsRecorder(storage, { now: () => T0 });
    storage.beforeWrite = async () => {
      throw new Error('store unreachable');
    };
    recorder.escalated('retries');
    await recorder.flush();
    expect(recorder.metrics.flushFailures.get()).toBe(1);
    storage.beforeWrite = undefined;
    recorder.escalated('retries');
    await recorder.flush();
    const report = await recorder.report({ days: 1 });
    expect((await stored(storage)).records[0]!.counts.escalations).toEqual({ retries: 2 });
    expect(report.summary.conversations).toBe(0);
  });

  it('many events between flushes cost one write per flush', async () => {
    const storage = new Interfering();
    const recorder = new AnalyticsRecorder(storage, { now: () => T0 });
    for (let i = 0; i < 1000; i++) recorder.turn('directline');
    await recorder.flush();
    expect(storage.writes).toBe(2); // the index, once; the record
    for (let i = 0; i < 1000; i++) recorder.turn('msteams');
    await recorder.flush();
    expect(storage.writes).toBe(3);
    expect((await recorder.report({ days: 1 })).turns).toEqual([
      { channel: 'directline', count: 1000 },
      { channel: 'msteams', count: 1000 },
    ]);
  });

  it('an unknown channel id is labelled "other"', () => {
    const recorder = new AnalyticsRecorder(new MemoryStorage());
    recorder.turn('<script>');
    expect(recorder.metrics.turns.get({ channel: 'other' })).toBe(1);
  });
});

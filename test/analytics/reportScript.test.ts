import '../support/quietDeprecations';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runReport } from '../../scripts/report';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { REDACTED } from '../../src/safety/secrets';
import { LevelStorage } from '../../src/storage/levelStorage';
import { DirectLineClient } from '../support/directLineClient';
import { say } from '../support/testBot';
import { CONFIG_PORT, TEST_SECRET } from '../support/server';
import { analyticsBot, Clock, csvValue, minutesAfter, parseCsv, T0 } from './support';

const API_TOKEN = 'test-helpdesk-api-token-0123456789';
const REISSUE = '証明書発行用パスワードの再発行方法を教えてください';
const LUNCH = '今日のお昼ご飯は何がいいですか';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-report-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm run report -- <args>` in process, with only the given environment (no .env). */
async function report(args: string[], env: Record<string, string>, now = T0) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReport(args, { env, dotenvPath: '/nonexistent', now: () => now, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join(''), rows: parseCsv(out.join('')) };
}

describe('npm run report on DATA_DIR', () => {
  it('reads what the recorder wrote (CSV and text)', async () => {
    const dir = tempDir();
    const storage = new LevelStorage(join(dir, 'state'));
    const clock = new Clock();
    const bot = analyticsBot(storage, clock);
    await say(bot.adapter, REISSUE);
    await say(bot.adapter, 'はい');
    await say(bot.adapter, LUNCH);
    await say(bot.adapter, '確認したい');
    await say(bot.adapter, 'その他');
    // A question the bot does not know, with a password in it, as a writer that got it would keep it.
    bot.analytics.question('unanswered', '請求のパスワードは Zq1234567 で合っていますか');
    await bot.analytics.close();
    await storage.close();

    const csv = await report(['--csv', '--days', '1'], { DATA_DIR: dir }, minutesAfter(31));
    expect(csv.err).toBe('');
    expect(csv.code).toBe(0);
    expect(csv.rows[0]).toEqual(['section', 'name', 'value']);
    expect(csv.rows.every((r) => r.length === 3)).toBe(true);
    expect(csvValue(csv.rows, 'period', 'from')).toBe('2026-11-19');
    expect(csvValue(csv.rows, 'summary', 'conversations')).toBe('2');
    expect(csvValue(csv.rows, 'summary', 'resolved_by_bot')).toBe('1');
    expect(csvValue(csv.rows, 'summary', 'escalated')).toBe('0');
    expect(csvValue(csv.rows, 'summary', 'abandoned')).toBe('1');
    expect(csvValue(csv.rows, 'summary', 'containment_rate')).toBe('0.5000');
    expect(csvValue(csv.rows, 'topic_conversations', 'certificate')).toBe('1');
    expect(csvValue(csv.rows, 'router_decision', 'off-topic')).toBe('1');
    expect(csvValue(csv.rows, 'unanswered', LUNCH)).toBe('1');
    expect(csvValue(csv.rows, 'unanswered', '確認したい')).toBe('1');
    expect(csvValue(csv.rows, 'unsure', '確認したい')).toBe('1');
    expect(csvValue(csv.rows, 'unanswered', `請求のパスワードは ${REDACTED} で合っていますか`)).toBe('1');
    expect(csv.out).not.toContain('Zq1234567');

    const text = await report(['--days', '1'], { DATA_DIR: dir }, minutesAfter(31));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Containment rate\s+50\.0%/);
    expect(text.out).toContain(LUNCH);

    // Earlier days only: nothing.
    const yesterday = await report(['--csv', '--days', '1'], { DATA_DIR: dir }, minutesAfter(24 * 60));
    expect(csvValue(yesterday.rows, 'summary', 'conversations')).toBe('0');
    // Or the days named: the same figures, a day later.
    const named = await report(['--csv', '--from', '2026-11-18', '--to', '2026-11-19'], { DATA_DIR: dir }, minutesAfter(24 * 60));
    expect(csvValue(named.rows, 'period', 'days')).toBe('2');
    expect(csvValue(named.rows, 'summary', 'conversations')).toBe('2');
    expect(csvValue(named.rows, 'day_resolved', '2026-11-19')).toBe('1');
  });

  it('with no DATA_DIR yet: an empty report, and nothing is created', async () => {
    const dir = join(tempDir(), 'missing');
    const res = await report(['--csv'], { DATA_DIR: dir });
    expect(res.code).toBe(0);
    expect(csvValue(res.rows, 'summary', 'conversations')).toBe('0');
    expect(existsSync(dir)).toBe(false);
  });

  it('bad arguments: usage and exit code 2', async () => {
    for (const args of [['--days', '0'], ['--days', 'x'], ['--top', '-1'], ['--nope'], ['positional'], ['--from', '2026-11-19'], ['--from', '2026-11-20', '--to', '2026-11-19'], ['--days', '2', '--from', '2026-11-19', '--to', '2026-11-19']]) {
      const res = await report(args, { DATA_DIR: tempDir() });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.err).toContain('usage: npm run report');
    }
  });
});

describe('npm run report while the server holds DATA_DIR', () => {
  it('reads through GET /api/analytics with HELPDESK_API_TOKEN; after the server stops, from the directory', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN };
    const config = loadConfig({ PORT: String(CONFIG_PORT), ...env }, '/nonexistent');
    const app = createApp(config, { log: createLogger('silent'), now: () => T0 });
    const port = await app.listen(0, '127.0.0.1');
    try {
      const client = await DirectLineClient.start(`http://127.0.0.1:${port}`, TEST_SECRET);
      await client.poll();
      await client.say(REISSUE);
      await client.say('はい');
      await client.say(LUNCH);

      const res = await report(['--csv', '--days', '1'], { ...env, PORT: String(port) });
      expect(res.err).toContain('in use by the running server; reading through it');
      expect(res.code).toBe(0);
      expect(csvValue(res.rows, 'summary', 'conversations')).toBe('2');
      expect(csvValue(res.rows, 'summary', 'resolved_by_bot')).toBe('1');
      expect(csvValue(res.rows, 'summary', 'in_progress')).toBe('1'); // the server's clock: T0
      expect(csvValue(res.rows, 'unanswered', LUNCH)).toBe('1');
      expect(csvValue(res.rows, 'channel_turns', 'directline')).toBeDefined();

      // --url goes to the server directly; a wrong token is refused with a clear message.
      const viaUrl = await report(['--csv', '--days', '1', '--url', `http://127.0.0.1:${port}`], { ...env, DATA_DIR: join(dir, 'unused') });
      expect(viaUrl.out).toBe(res.out);
      const refused = await report(['--days', '1'], { ...env, PORT: String(port), HELPDESK_API_TOKEN: 'another-token-0123456789' });
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('refused HELPDESK_API_TOKEN (401)');
      const noToken = await report(['--days', '1'], { DATA_DIR: dir, PORT: String(port) });
      expect(noToken.code).toBe(1);
      expect(noToken.err).toContain('needs HELPDESK_API_TOKEN');
    } finally {
      await app.close();
    }
    // Stopped: the store is free, the report reads it directly (what was pending was flushed on close).
    const direct = await report(['--csv', '--days', '1'], { DATA_DIR: dir }, minutesAfter(31));
    expect(direct.err).toBe('');
    expect(csvValue(direct.rows, 'summary', 'conversations')).toBe('2');
    expect(csvValue(direct.rows, 'summary', 'abandoned')).toBe('1');
    expect(csvValue(direct.rows, 'summary', 'containment_rate')).toBe('0.5000');
  });
});

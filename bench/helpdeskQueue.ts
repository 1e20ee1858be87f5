// `npm run bench:helpdesk`: the console's queue with 10,000 tickets (2 % waiting, 2 % in progress) on the
// on-disk store (LevelDB under a temporary DATA_DIR), paged through the real server's /helpdesk/api/queue, side by side with a bare
// restify route answering the same JSON. Printed, never asserted; the target is under 200 ms a page.
//
// Settings (environment): BENCH_TICKETS (10000), BENCH_REPEATS (20 per page).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import restify from 'restify';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { emptyFacts } from '../src/dialogs/triageFacts';
import type { HandoffTicket, TicketStatus } from '../src/handoff/ticket';
import { newTicketId, TicketStore } from '../src/handoff/ticketStore';
import { createLogger } from '../src/logging';
import { LevelStorage } from '../src/storage/levelStorage';
import { tokenSignIn } from '../test/support/helpdeskSignIn';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 10_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 20);
const TOKEN = 'bench-helpdesk-api-token-0123456789';
const TARGET_MS = 200;
const PAGE = 20;
const NOW = new Date('2026-12-01T10:00:00+09:00');

/** A ticket as the bot opens them: a few facts, a 30-line transcript. */
function ticket(i: number): HandoffTicket {
  const status: TicketStatus = i % 50 === 0 ? 'waiting' : i % 50 === 1 ? 'in-progress' : 'resolved';
  const createdAt = new Date(NOW.getTime() - (TICKETS - i) * 5 * 60_000).toISOString();
  return {
    id: newTicketId(),
    status,
    reason: 'unsolved',
    channel: ['msteams', 'slack', 'directline'][i % 3]!,
    conversation: { conversation: { id: `conversation-${i}`, isGroup: false, conversationType: 'personal', name: '' } },
    userName: `利用者${i}`,
    facts: { ...emptyFacts(), topic: 'certificate', certificatePassword: 'yes', kjLogin: 'yes', certificateHistory: 'no', shownEntries: ['cert-install-dx'] },
    summary: '電子証明書: 証明書発行用パスワード: 手元にある／電子請求受付システムへのログイン: ログインできる — ボットの案内で解決せず',
    transcript: Array.from({ length: 30 }, (_, n) => ({ from: n % 2 ? 'bot' : 'user', text: `やり取り ${n} ${'あ'.repeat(80)}`, at: createdAt }) as const),
    createdAt,
    ...(status !== 'waiting' ? { agent: '佐藤', takenAt: createdAt } : {}),
    ...(status === 'resolved' ? { resolvedAt: createdAt } : {}),
    helpdesk: {},
  };
}

async function timed(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body}`);
  return { ms: performance.now() - started, body };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-helpdesk-'));
  try {
    // Seeded as the version before the two indexes left them (every ticket, and an index of ids), in
    // batches; the store builds its indexes from them on first use, which is timed as the upgrade.
    const storage = new LevelStorage(join(dataDir, 'state'));
    await storage.open();
    const ids: string[] = [];
    for (let start = 0; start < TICKETS; start += 500) {
      const batch: Record<string, HandoffTicket & { eTag: string }> = {};
      for (let i = start; i < Math.min(TICKETS, start + 500); i++) {
        const t = ticket(i);
        batch[`handoff/ticket/${t.id}`] = { ...t, eTag: '*' };
        ids.push(t.id);
      }
      await storage.write(batch);
    }
    await storage.write({ 'handoff/index': { ids, eTag: '*' } });
    const store = new TicketStore(storage, { now: () => NOW });
    let started = performance.now();
    await store.counts();
    const upgradeMs = performance.now() - started;
    // What a ticket costs at this size: opened (by the bot), then resolved (by an agent).
    const opened: string[] = [];
    started = performance.now();
    for (let i = 0; i < REPEATS; i++) opened.push((await store.create({ ...ticket(i), status: 'waiting', agent: undefined, takenAt: undefined, resolvedAt: undefined })).id);
    const createMs = (performance.now() - started) / REPEATS;
    started = performance.now();
    for (const id of opened) await store.update(id, (t) => ({ ...t, status: 'resolved', resolvedAt: NOW.toISOString() }));
    const resolveMs = (performance.now() - started) / REPEATS;
    await storage.close();

    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, HELPDESK_API_TOKEN: TOKEN, RATE_LIMIT_PER_IP_PER_MINUTE: '0' }, '/nonexistent');
    const app = createApp(config, { log: createLogger('silent'), now: () => NOW });
    const base = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
    // Signed in as an agent is, with the token: each page also reads the session.
    const headers = { cookie: await tokenSignIn(base, TOKEN) };

    const rows: string[] = [];
    let worst = 0;
    let sample = '';
    const pageTimes: number[] = [];
    for (const status of ['waiting', 'in-progress', 'resolved'] as const) {
      const { body } = await timed(`${base}/helpdesk/api/queue?status=${status}&limit=${PAGE}`, headers);
      const total = (JSON.parse(body) as { total: number }).total;
      for (const [where, offset] of [['first', 0], ['middle', Math.floor(total / 2 / PAGE) * PAGE], ['last', Math.max(0, Math.floor((total - 1) / PAGE) * PAGE)]] as const) {
        const times: number[] = [];
        for (let r = 0; r < REPEATS; r++) {
          const result = await timed(`${base}/helpdesk/api/queue?status=${status}&offset=${offset}&limit=${PAGE}`, headers);
          times.push(result.ms);
          sample = result.body;
        }
        worst = Math.max(worst, ...times);
        pageTimes.push(...times);
        rows.push(`| ${status} (${total.toLocaleString('en-US')}), ${where} page | ${median(times).toFixed(1)} ms | ${Math.max(...times).toFixed(1)} ms |`);
      }
    }
    await app.close();

    // The same JSON from a bare restify route, with the same client: what HTTP and JSON cost alone.
    const echo = restify.createServer({ name: 'bench-echo' });
    echo.get('/page', async (_req, res) => {
      res.send(200, JSON.parse(sample));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoBase = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
    const echoTimes: number[] = [];
    for (let r = 0; r < REPEATS * 9; r++) echoTimes.push((await timed(`${echoBase}/page`)).ms);
    await new Promise<void>((resolve) => echo.close(() => resolve()));

    console.log(`helpdesk queue, ${TICKETS.toLocaleString('en-US')} tickets on disk, ${PAGE} a page, ${REPEATS} requests each — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
    console.log(`upgrade from the index of ids (first use): ${upgradeMs.toFixed(0)} ms; at this size a new ticket costs ${createMs.toFixed(1)} ms, resolving one ${resolveMs.toFixed(1)} ms (mean of ${REPEATS})`);
    console.log('| page | median | max |');
    console.log('| --- | --- | --- |');
    for (const row of rows) console.log(row);
    console.log(`| bare restify, same JSON | ${median(echoTimes).toFixed(1)} ms | ${Math.max(...echoTimes).toFixed(1)} ms |`);
    console.log(`ratio queue page / bare route (medians): ${(median(pageTimes) / median(echoTimes)).toFixed(1)}`);
    console.log(`slowest page: ${worst.toFixed(1)} ms — target under ${TARGET_MS} ms: ${worst < TARGET_MS ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

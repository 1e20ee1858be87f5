// `npm run bench`: the compiled server (dist/main.js) side by side with a stock Bot Framework echo bot
// (bench/echoBot.cjs: Microsoft's EchoBot sample with ConversationState on MemoryStorage), in one run,
// with one client, on this machine. Rows:
//   - the echo bot and ours, through /api/messages (as Teams posts; replies to a local fake connector),
//     ours walking the development sets' whole typed conversations with state on disk, the echo bot
//     echoing the same texts;
//   - ours again through Direct Line, replies read off the conversation's WebSocket;
//   each: turns/s at saturation, p50/p99 turn latency at a fixed 100 turns/s, server CPU per turn, RSS;
//   the three servers are up together and take turns, three rounds per phase, so that other load on
//   the machine weighs on each alike;
//   - 1,000 idle Direct Line chats, streaming and then polling once a second: CPU % of one core, RSS;
//   - start to healthy and RSS after start.
// Printed as figures with the issue's targets, ending with the README's table; nothing is asserted
// but that every turn was answered. All traffic stays on 127.0.0.1; every server is its own process.
//
// Settings (environment): BENCH_USERS (32 concurrent users at saturation), BENCH_SECONDS (10),
// BENCH_WARMUP_SECONDS (3), BENCH_RATE (100 turns/s) for BENCH_RATE_SECONDS (10), BENCH_IDLE_CHATS
// (1000) idle for BENCH_IDLE_SECONDS (31; the keep-alive is every 30 s), polled for
// BENCH_POLL_SECONDS (20), BENCH_ONLY (comma-separated: start, echo, ours, directline, idle),
// BENCH_CPU_PROF=<dir> (profile each row's server at saturation and print where the time goes).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeConnector } from '../test/support/fakeConnector';
import { agent, BotFrameworkClient, DirectLineStreamClient, loadScripts, request, turnLatency, type Chat, type ChatClient, type DirectLineChat, type Script, type Turn } from './chatClients';
import { summarizeProfile, type Window } from './cpuProfile';
import { cpuSeconds, cpuTimes, HEALTH_TIMEOUT_MS, killAll, procStatus, startChild, stopChild, waitReady, type Child } from './processes';

const ROOT = resolve(__dirname, '..');
const BOT_ENTRY = join(ROOT, 'dist/main.js');
const ECHO_ENTRY = join(ROOT, 'bench/echoBot.cjs');

const setting = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got ${raw}`);
  return value;
};
const USERS = setting('BENCH_USERS', 32);
const SECONDS = setting('BENCH_SECONDS', 10);
const WARMUP_SECONDS = setting('BENCH_WARMUP_SECONDS', 3, 0);
const RATE = setting('BENCH_RATE', 100);
const RATE_SECONDS = setting('BENCH_RATE_SECONDS', 10);
const IDLE_CHATS = setting('BENCH_IDLE_CHATS', 1000);
const IDLE_SECONDS = setting('BENCH_IDLE_SECONDS', 31);
const POLL_SECONDS = setting('BENCH_POLL_SECONDS', 20);
const PARTS = new Set((process.env.BENCH_ONLY || 'start,echo,ours,directline,idle').split(',').map((s) => s.trim()));
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const START_RUNS = 3;
/** The rows take turns this many times in each phase (see measureRows). */
const ROUNDS = 3;
/** Users kept ready at the fixed rate (each has at most one turn in flight, as a person typing). */
const RATE_USERS = 64;
/** Web Chat's polling interval (botframework-directlinejs' default). */
const POLL_INTERVAL_MS = 1000;
const MAX_FAILURES = 50;
/** The whole run stops (children killed, exit 1) past this, whatever hangs. */
const BUDGET_MS = (START_RUNS + 4) * HEALTH_TIMEOUT_MS + 3 * (WARMUP_SECONDS + SECONDS + RATE_SECONDS + 60) * 1000 + (IDLE_SECONDS + POLL_SECONDS + 120) * 1000;

const TARGETS = { startMs: 1500, rssMb: 200, ratio: 0.5, p99Ms: 20, idleCpuPercent: 5, idleRssMb: 250 };

// ---------------------------------------------------------------------------------------------
// Figures

const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : 'n/a');
const mbOf = (bytes: number | undefined) => (bytes === undefined ? NaN : bytes / 2 ** 20);
const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${mbOf(bytes).toFixed(0)} MB`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
const sleep = (millis: number) => new Promise<void>((done) => setTimeout(done, millis));
const meets = (ok: boolean) => (ok ? 'met' : 'NOT met');
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** What the timed windows of one row gave, summed over the rounds: the turns, the conversations, the server's CPU. */
class Tally {
  readonly turns: Turn[] = [];
  chatsStarted = 0;
  chatsWalked = 0;
  chatsReached = 0;
  readonly failures: string[] = [];
  /** Times a turn was due at the fixed rate and no user was ready (the server is behind). */
  late = 0;
  seconds = 0;
  serverCpuSeconds = 0;
  /** Of serverCpuSeconds, what the kernel spent for the server (sockets, disk). */
  serverSystemSeconds = 0;
  clientCpuSeconds = 0;

  /** Starts a timed window on the server `pid`; the function returned ends it and adds it up. */
  window(pid: number): () => void {
    const at = performance.now();
    const cpu = cpuTimes(pid);
    const client = process.cpuUsage();
    return () => {
      const after = cpuTimes(pid);
      const used = process.cpuUsage(client);
      this.seconds += (performance.now() - at) / 1000;
      this.serverCpuSeconds += after.user + after.system - cpu.user - cpu.system;
      this.serverSystemSeconds += after.system - cpu.system;
      this.clientCpuSeconds += (used.user + used.system) / 1e6;
    };
  }

  get tooManyFailures(): boolean {
    return this.failures.length >= MAX_FAILURES;
  }

  turn(turn: Turn): void {
    this.turns.push(turn);
    if (turn.failed) this.failures.push(turn.failed);
  }

  /** A chat said to its end: did it show one of the entries it was written for? */
  walked(chat: Chat, script: Script): void {
    this.chatsWalked++;
    if (script.expect.some((title) => chat.said.includes(title))) this.chatsReached++;
  }

  get turnsPerSecond(): number {
    return this.turns.length / this.seconds;
  }

  get cpuMsPerTurn(): number {
    return (1000 * this.serverCpuSeconds) / this.turns.length;
  }

  latencies(): number[] {
    return this.turns.map(turnLatency).filter((l): l is number => l !== undefined).sort((a, b) => a - b);
  }
}

/** The scripts in turn, round the set: user after user, conversation after conversation. */
function scriptDealer(scripts: Script[]): () => Script {
  let next = 0;
  return () => scripts[next++ % scripts.length]!;
}

// ---------------------------------------------------------------------------------------------
// Load

/**
 * Saturation: USERS users at once, each starting a conversation, saying its turns one after the
 * other (the next as soon as the reply is in), then starting another, until the time is up.
 */
async function saturate(pid: number, client: ChatClient, deal: () => Script, seconds: number, tally = new Tally()): Promise<Tally> {
  const ended = tally.window(pid);
  const end = performance.now() + seconds * 1000;
  const done = () => performance.now() >= end || tally.tooManyFailures;
  await Promise.all(
    Array.from({ length: USERS }, async (_, user) => {
      while (!done()) {
        const script = deal();
        let chat: Chat;
        try {
          chat = await client.start(user);
          tally.chatsStarted++;
        } catch (err) {
          tally.failures.push(`start: ${(err as Error).message}`);
          continue;
        }
        let said = 0;
        for (const text of script.turns) {
          if (done()) break;
          const turn = await chat.say(text);
          tally.turn(turn);
          if (turn.failed) break;
          said++;
        }
        if (said === script.turns.length) tally.walked(chat, script);
        chat.close();
      }
    }),
  );
  ended();
  return tally;
}

/**
 * A fixed offered load: `rate` typed turns a second, evenly spaced, each from a user whose previous
 * turn has been answered (RATE_USERS of them, started before the window, each walking conversations
 * as above; a finished conversation's user starts another before it is ready again). Latency is from
 * each request's send.
 */
async function offer(pid: number, client: ChatClient, deal: () => Script, rate: number, seconds: number, tally: Tally): Promise<void> {
  interface User {
    index: number;
    chat: Chat;
    script: Script;
    said: number;
  }
  const ready: User[] = [];
  const begin = async (index: number): Promise<void> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const script = deal();
        ready.push({ index, chat: await client.start(index), script, said: 0 });
        return;
      } catch (err) {
        tally.failures.push(`start: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: RATE_USERS }, (_, i) => begin(i)));
  const ended = tally.window(pid);
  const inFlight = new Set<Promise<void>>();
  const run = (user: User) => {
    const text = user.script.turns[user.said]!;
    const work = (async () => {
      const turn = await user.chat.say(text);
      tally.turn(turn);
      user.said++;
      if (!turn.failed && user.said < user.script.turns.length) {
        ready.push(user);
        return;
      }
      if (!turn.failed) tally.walked(user.chat, user.script);
      user.chat.close();
      tally.chatsStarted++;
      await begin(user.index);
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let dispatched = 0;
  await new Promise<void>((finished) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const due = Math.min(Math.floor(((Math.min(now, end) - t0) * rate) / 1000), Math.floor(seconds * rate));
      while (dispatched < due) {
        const user = ready.shift();
        if (!user) {
          tally.late++;
          break;
        }
        dispatched++;
        run(user);
      }
      if ((now >= end && dispatched >= due) || tally.tooManyFailures) {
        clearInterval(tick);
        finished();
      }
    }, 2);
  });
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  ended();
  for (const user of ready) user.chat.close();
}

// ---------------------------------------------------------------------------------------------
// Rows

/** One server measured through one client. */
interface Row {
  name: string;
  child: Child;
  client: ChatClient;
  /** Ours: each conversation should end on its entry. */
  triage: boolean;
  deal: () => Script;
  saturation: Tally;
  fixed: Tally;
  /** The saturation windows, for the CPU profile. */
  profile: Window;
  rssAfterSaturation?: number;
  rss?: number;
  peak?: number;
}

/**
 * The rows side by side: all servers up at once, each measured in turn for a share of the time, round
 * after round (ROUNDS), so that what else the machine does at the time weighs on every row alike.
 * Warm-up, then saturation, then the fixed rate.
 */
async function measureRows(rows: Row[]): Promise<void> {
  if (WARMUP_SECONDS > 0) for (const row of rows) await saturate(row.child.pid, row.client, row.deal, WARMUP_SECONDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      const from = performance.now() - row.child.spawnedAt;
      const before = row.saturation.turns.length;
      await saturate(row.child.pid, row.client, row.deal, SECONDS / ROUNDS, row.saturation);
      row.profile.ranges!.push({ fromMs: from, toMs: performance.now() - row.child.spawnedAt });
      row.profile.turns = (row.profile.turns ?? 0) + row.saturation.turns.length - before;
    }
  }
  for (const row of rows) row.rssAfterSaturation = procStatus(row.child.pid, 'VmRSS');
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) await offer(row.child.pid, row.client, row.deal, RATE, RATE_SECONDS / ROUNDS, row.fixed);
  }
  for (const row of rows) {
    row.rss = procStatus(row.child.pid, 'VmRSS');
    row.peak = procStatus(row.child.pid, 'VmHWM');
    printRow(row);
  }
}

function printRow(row: Row): void {
  const { saturation, fixed } = row;
  const lat = saturation.latencies();
  const fixedLat = fixed.latencies();
  console.log(`${row.name}:`);
  console.log(
    `  saturation, ${USERS} users: ${saturation.turnsPerSecond.toFixed(0)} turns/s (${saturation.turns.length} in ${saturation.seconds.toFixed(1)} s), ` +
      `p50 ${ms(quantile(lat, 0.5))}, p99 ${ms(quantile(lat, 0.99))}; server CPU ${ms(saturation.cpuMsPerTurn)} per turn (${ms((1000 * saturation.serverSystemSeconds) / saturation.turns.length)} of it in the kernel; ${((100 * saturation.serverCpuSeconds) / saturation.seconds).toFixed(0)} % of a core), client ${((100 * saturation.clientCpuSeconds) / saturation.seconds).toFixed(0)} %`,
  );
  console.log(
    `  fixed ${RATE} turns/s: ${fixed.turnsPerSecond.toFixed(1)} turns/s offered and answered (${fixed.turns.length} in ${fixed.seconds.toFixed(1)} s${fixed.late ? `, ${fixed.late} times no user was ready` : ''}), ` +
      `p50 ${ms(quantile(fixedLat, 0.5))}, p99 ${ms(quantile(fixedLat, 0.99))}, max ${ms(fixedLat[fixedLat.length - 1] ?? NaN)}; server CPU ${ms(fixed.cpuMsPerTurn)} per turn (${((100 * fixed.serverCpuSeconds) / fixed.seconds).toFixed(0)} % of a core)`,
  );
  const chats = saturation.chatsStarted + fixed.chatsStarted;
  const walked = saturation.chatsWalked + fixed.chatsWalked;
  const reached = saturation.chatsReached + fixed.chatsReached;
  const triage = row.triage ? `; of the ${walked} said to their end, ${reached} showed the entry they were written for` : '';
  console.log(`  ${chats} conversations started${triage}; RSS ${mb(row.rssAfterSaturation)} after saturation, ${mb(row.rss)} at the end, peak ${mb(row.peak)}`);
  const failures = [...saturation.failures, ...fixed.failures];
  if (failures.length) console.log(`  FAILED: ${failures.length} turns, first: ${failures[0]}`);
}

interface IdleResult {
  chats: number;
  /** RSS of the fresh server before any chat, to tell what the chats added. */
  rssBefore: number | undefined;
  streaming: { cpuPercent: number; rss: number | undefined; heap: string; keepAlives: number; seconds: number };
  polling: { cpuPercent: number; rss: number | undefined; polls: number; failed: number; firstFailure?: string; seconds: number };
  openSeconds: number;
}

/**
 * IDLE_CHATS Direct Line chats opened (welcome read off each socket), left alone for IDLE_SECONDS
 * (at least one keep-alive), then their sockets closed and each polled once a second, as Web Chat
 * does with `webSocket: false`, for POLL_SECONDS.
 */
async function idleChats(child: Child, secret: string): Promise<IdleResult> {
  const client = new DirectLineStreamClient(child.port, secret);
  const rssBefore = procStatus(child.pid, 'VmRSS');
  const chats: DirectLineChat[] = [];
  const openedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < IDLE_CHATS) chats.push(await client.start(next++));
    }),
  );
  const openSeconds = (performance.now() - openedAt) / 1000;
  await sleep(1000);

  const keepAlivesBefore = chats.reduce((n, c) => n + c.keepAlives, 0);
  const cpu0 = cpuSeconds(child.pid);
  const t0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const streamingSeconds = (performance.now() - t0) / 1000;
  const streaming = {
    cpuPercent: (100 * (cpuSeconds(child.pid) - cpu0)) / streamingSeconds,
    rss: procStatus(child.pid, 'VmRSS'),
    heap: await heapOf(child.port),
    keepAlives: chats.reduce((n, c) => n + c.keepAlives, 0) - keepAlivesBefore,
    seconds: streamingSeconds,
  };

  for (const chat of chats) chat.close();
  await sleep(2000);
  // Each client polls once a second from its own moment in the second, one request at a time, from the last watermark.
  const watermarks = chats.map(() => '0');
  const nextAt = chats.map((_, i) => (i * POLL_INTERVAL_MS) / chats.length);
  const busy = chats.map(() => false);
  let polls = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const fail = (why: string) => {
    failed++;
    firstFailure ??= why;
  };
  const cpu1 = cpuSeconds(child.pid);
  const t1 = performance.now();
  const pollEnd = t1 + POLL_SECONDS * 1000;
  await new Promise<void>((finished) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now >= pollEnd) {
        clearInterval(tick);
        finished();
        return;
      }
      for (let i = 0; i < chats.length; i++) {
        if (busy[i] || now - t1 < nextAt[i]!) continue;
        busy[i] = true;
        nextAt[i]! += POLL_INTERVAL_MS;
        const chat = chats[i]!;
        request(child.port, 'GET', `/v3/directline/conversations/${encodeURIComponent(chat.conversationId)}/activities?watermark=${watermarks[i]}`, { bearer: chat.token })
          .then(
            (res) => {
              if (res.status === 200) {
                polls++;
                watermarks[i] = (JSON.parse(res.body) as { watermark: string }).watermark;
              } else fail(`status ${res.status}: ${res.body.slice(0, 200)}`);
            },
            (err: Error) => fail(err.message),
          )
          .finally(() => (busy[i] = false));
      }
    }, 5);
  });
  const pollSeconds = (performance.now() - t1) / 1000;
  const polling = { cpuPercent: (100 * (cpuSeconds(child.pid) - cpu1)) / pollSeconds, rss: procStatus(child.pid, 'VmRSS'), polls, failed, firstFailure, seconds: pollSeconds };
  return { chats: chats.length, rssBefore, streaming, polling, openSeconds };
}

/** The V8 heap, used of total, as the server's /metrics tells it (the rest of RSS is code, native buffers, LevelDB). */
async function heapOf(port: number): Promise<string> {
  const res = await request(port, 'GET', '/metrics').catch(() => undefined);
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res?.body ?? '')?.[1]);
  return `heap ${mb(value('nodejs_heap_size_used_bytes'))} used of ${mb(value('nodejs_heap_size_total_bytes'))}`;
}

// ---------------------------------------------------------------------------------------------

const healthy = (port: number) => async () => (await request(port, 'GET', '/healthz', { agent: false, timeoutMs: 1000 })).status === 200;

function utcDate(): string {
  try {
    return execFileSync('date', ['-u'], { encoding: 'utf8' }).trim();
  } catch {
    return new Date().toUTCString();
  }
}

async function main(): Promise<number> {
  if (!existsSync(BOT_ENTRY)) throw new Error(`${BOT_ENTRY} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  const secret = randomBytes(24).toString('base64url');
  // The bench is one client on one address driving many conversations: rate limits off, and state
  // in fresh directories of its own (removed at exit), so runs neither share nor lock ./data.
  // No MicrosoftAppId: /api/messages in anonymous mode, on 127.0.0.1 only.
  const dataDirs: string[] = [];
  process.on('exit', () => {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  const botEnv = () => {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-data-'));
    dataDirs.push(dataDir);
    return { LOG_LEVEL: 'warn', DIRECT_LINE_SECRET: secret, DATA_DIR: dataDir, MicrosoftAppId: '', MicrosoftAppPassword: '', RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '0' };
  };
  const scripts = loadScripts();
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB`;
  const date = utcDate();
  console.log(`server bench, ${date}: Node ${process.version}, ${machine}, load average ${loadAverage()}; client, fake connector and servers share these CPUs, 127.0.0.1 only`);
  console.log(
    `${scripts.length} typed conversations (test/data/conversations-*.yaml, ${(scripts.reduce((n, s) => n + s.turns.length, 0) / scripts.length).toFixed(1)} turns each); ` +
      `per row ${WARMUP_SECONDS} s warm-up, ${SECONDS} s at saturation (${USERS} users), ${RATE_SECONDS} s at ${RATE} turns/s; a turn is one typed message, timed from its request to its last reply`,
  );
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
  // Start-up: each run a fresh process.
  let startMedian = NaN;
  let startRss = NaN;
  if (PARTS.has('start')) {
    const times: number[] = [];
    const rss: number[] = [];
    for (let run = 0; run < START_RUNS; run++) {
      const bot = await startChild('bot', BOT_ENTRY, botEnv());
      try {
        times.push(await waitReady(bot, healthy(bot.port)));
        rss.push(procStatus(bot.pid, 'VmRSS') ?? NaN);
      } finally {
        await stopChild(bot);
      }
    }
    startMedian = median(times);
    startRss = median(rss);
    console.log(`start to healthy (spawn → first 200 on GET /healthz): median ${ms(startMedian)} of ${times.map((t) => t.toFixed(0)).join(', ')} ms   target ≤ ${TARGETS.startMs} ms: ${meets(startMedian <= TARGETS.startMs)}`);
    console.log(`RSS after start: median ${mb(startRss)} (${rss.map((r) => mb(r)).join(', ')})   target ≤ ${TARGETS.rssMb} MB: ${meets(startRss <= TARGETS.rssMb * 2 ** 20)}`);
  }

  // The rows' servers, all up at once (each in its own process, ours each with a fresh DATA_DIR).
  const rows: Row[] = [];
  const started: Array<{ child: Child; since: number }> = [];
  const connector = await new FakeConnector({ keepCalls: false }).start();
  const serve = async (name: string, entry: string, env: Record<string, string>, client: (port: number) => ChatClient, triage: boolean) => {
    const since = Date.now();
    const child = await startChild(name, entry, env, CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []);
    started.push({ child, since });
    await waitReady(child, healthy(child.port));
    rows.push({ name, child, client: client(child.port), triage, deal: scriptDealer(scripts), saturation: new Tally(), fixed: new Tally(), profile: { label: `${name}, at saturation`, ranges: [] } });
  };
  try {
    if (PARTS.has('echo')) await serve('stock echo bot (EchoBot sample, ConversationState on MemoryStorage), /api/messages', ECHO_ENTRY, {}, (port) => new BotFrameworkClient(port, connector), false);
    if (PARTS.has('ours')) await serve('ours, /api/messages, state on disk', BOT_ENTRY, botEnv(), (port) => new BotFrameworkClient(port, connector), true);
    if (PARTS.has('directline')) await serve('ours, Direct Line streaming, state on disk', BOT_ENTRY, botEnv(), (port) => new DirectLineStreamClient(port, secret), true);
    await measureRows(rows);
  } finally {
    for (const { child } of started) await stopChild(child);
    await connector.stop();
  }
  if (CPU_PROF_DIR) {
    // Each server writes its profile as it exits: the one whose pid is in the file name.
    const profiles = readdirSync(CPU_PROF_DIR).filter((f) => f.endsWith('.cpuprofile'));
    for (const row of rows) {
      const file = profiles.find((f) => f.includes(`.${row.child.pid}.`));
      if (file) for (const line of summarizeProfile(join(CPU_PROF_DIR, file), [row.profile])) console.log(line);
      else console.log(`no .cpuprofile of ${row.name} appeared in ${CPU_PROF_DIR}`);
    }
  }

  let idle: IdleResult | undefined;
  if (PARTS.has('idle')) {
    const bot = await startChild('bot', BOT_ENTRY, botEnv());
    try {
      await waitReady(bot, healthy(bot.port));
      idle = await idleChats(bot, secret);
    } finally {
      await stopChild(bot);
    }
    const { streaming: s, polling: p } = idle;
    console.log(`${idle.chats} idle Direct Line chats (opened in ${idle.openSeconds.toFixed(1)} s; RSS ${mb(idle.rssBefore)} before):`);
    console.log(`  streaming, ${s.seconds.toFixed(0)} s with ${s.keepAlives} keep-alives read: server CPU ${s.cpuPercent.toFixed(1)} % of a core, RSS ${mb(s.rss)} (${s.heap})   targets ≤ ${TARGETS.idleCpuPercent} %: ${meets(s.cpuPercent <= TARGETS.idleCpuPercent)}, ≤ ${TARGETS.idleRssMb} MB: ${meets(mbOf(s.rss) <= TARGETS.idleRssMb)}`);
    console.log(`  polling once a second, ${p.seconds.toFixed(0)} s: ${(p.polls / p.seconds).toFixed(0)} polls/s answered, ${p.failed} failed${p.firstFailure ? ` (first: ${p.firstFailure})` : ''}; server CPU ${p.cpuPercent.toFixed(1)} % of a core, RSS ${mb(p.rss)}`);
  }

  // The README's table.
  const echo = rows.find((r) => r.name.startsWith('stock echo'));
  const failures = rows.reduce((n, r) => n + r.saturation.failures.length + r.fixed.failures.length, 0) + (idle ? idle.polling.failed : 0);
  console.log(`\n${date}; Node ${process.version}; ${machine}; load average at the end ${loadAverage()}\n`);
  if (rows.length) console.log('| row | turns/s at saturation | ratio to echo | p50 / p99 at 100 turns/s | server CPU per turn | RSS at the end (peak) |');
  if (rows.length) console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const fixed = row.fixed.latencies();
    const ratio = echo ? (row.saturation.turnsPerSecond / echo.saturation.turnsPerSecond).toFixed(2) : 'n/a';
    console.log(`| ${row.name} | ${row.saturation.turnsPerSecond.toFixed(0)} | ${ratio} | ${ms(quantile(fixed, 0.5))} / ${ms(quantile(fixed, 0.99))} | ${ms(row.saturation.cpuMsPerTurn)} | ${mb(row.rss)} (${mb(row.peak)}) |`);
  }
  if (idle) {
    console.log(`\n| ${idle.chats} idle Direct Line chats | server CPU, % of one core | RSS |`);
    console.log('| --- | --- | --- |');
    console.log(`| streaming (${idle.streaming.seconds.toFixed(0)} s, ${idle.streaming.keepAlives} keep-alives) | ${idle.streaming.cpuPercent.toFixed(1)} % | ${mb(idle.streaming.rss)} |`);
    console.log(`| polling once a second (${idle.polling.seconds.toFixed(0)} s) | ${idle.polling.cpuPercent.toFixed(1)} % | ${mb(idle.polling.rss)} |`);
  }
  console.log('\ntargets:');
  if (PARTS.has('start')) console.log(`  start to healthy ≤ ${TARGETS.startMs} ms: ${meets(startMedian <= TARGETS.startMs)} (${ms(startMedian)}); RSS after start ≤ ${TARGETS.rssMb} MB: ${meets(startRss <= TARGETS.rssMb * 2 ** 20)} (${mb(startRss)})`);
  for (const row of rows.filter((r) => r !== echo)) {
    const fixed = row.fixed.latencies();
    const p99 = quantile(fixed, 0.99);
    const parts = [`p99 ≤ ${TARGETS.p99Ms} ms at ${RATE} turns/s: ${meets(p99 <= TARGETS.p99Ms)}`];
    if (echo) {
      const ratio = row.saturation.turnsPerSecond / echo.saturation.turnsPerSecond;
      const cpuRatio = echo.saturation.cpuMsPerTurn / row.saturation.cpuMsPerTurn;
      parts.unshift(`ratio to echo ≥ ${TARGETS.ratio}: ${meets(ratio >= TARGETS.ratio)} (${ratio.toFixed(2)}; from server CPU per turn, echo/ours: ${cpuRatio.toFixed(2)})`);
    }
    console.log(`  ${row.name}: ${parts.join('; ')}`);
  }
  if (idle) console.log(`  idle streaming chats ≤ ${TARGETS.idleCpuPercent} % of a core: ${meets(idle.streaming.cpuPercent <= TARGETS.idleCpuPercent)}, RSS ≤ ${TARGETS.idleRssMb} MB: ${meets(mbOf(idle.streaming.rss) <= TARGETS.idleRssMb)}`);
  if (failures) console.log(`FAILED: ${failures} turns or polls failed (see above)`);
  return failures ? 1 : 0;
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${(BUDGET_MS / 1000).toFixed(0)} s, giving up`);
  killAll();
  process.exit(1);
}, BUDGET_MS);

main()
  .then((code) => {
    clearTimeout(watchdog);
    agent.destroy();
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAll();
    process.exit(1);
  });

// `npm run bench`: the compiled server (dist/main.js) under Direct Line load, side by side with a bare
// restify echo server, plus start-up time and RSS. Printed as figures with the issue's targets next to
// them; nothing is asserted except that every turn was answered. All traffic stays on 127.0.0.1.
//
// Settings (environment): BENCH_CONVERSATIONS (50), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2),
// BENCH_MAX_TURNS (200000), BENCH_CPU_PROF=<dir> (profile the bot's load run and print where time goes).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TURN_ERROR_TEXT } from '../src/channels/channel';
import { CHOICES, MENU, NO, YES } from '../src/dialogs/phrases';
import { summarizeProfile, type Window } from './cpuProfile';

const ROOT = resolve(__dirname, '..');
const BOT_ENTRY = join(ROOT, 'dist/main.js');
const ECHO_ENTRY = join(ROOT, 'bench/echoServer.cjs');
const DL = '/v3/directline';

const setting = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}, got ${raw}`);
  return value;
};
const CONVERSATIONS = setting('BENCH_CONVERSATIONS', 50);
const SECONDS = setting('BENCH_SECONDS', 10);
const WARMUP_SECONDS = setting('BENCH_WARMUP_SECONDS', 2, 0);
const MAX_TURNS = setting('BENCH_MAX_TURNS', 200_000);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const START_RUNS = 3;
const HEALTH_POLL_MS = 10;
const HEALTH_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ERRORS = 50;
/** The whole run stops (children killed, exit 1) past this, whatever hangs. */
const BUDGET_MS = START_RUNS * HEALTH_TIMEOUT_MS + 2 * (WARMUP_SECONDS + SECONDS) * 1000 + 2 * HEALTH_TIMEOUT_MS + 90_000;

const TARGETS = { startMs: 1500, rssMb: 200, ratio: 0.4 };

/**
 * What one user says in one conversation: menu labels, button choices and free-text questions from the
 * guides, in an order the dialogs accept (certificate dialog, answers with 解決しましたか？, FAQ, an unsure
 * question, an error message, the contact, an off-topic question). Each conversation starts with the
 * welcome turn of POST /conversations, which already shows the menu.
 */
const SCRIPT: readonly string[] = [
  MENU.certificate,
  CHOICES.certPassword.have,
  CHOICES.login.yes,
  CHOICES.history.yes,
  YES,
  '介護DX証明書のインストール方法を教えてください',
  YES,
  MENU.faq,
  '1',
  YES,
  'KJのパスワードを忘れました',
  NO,
  '証明書',
  '1',
  YES,
  '「現在、証明書発行手数料の残高があるため、発行申請ができません。」と出ました',
  YES,
  'ヘルプデスクの電話番号を教えて',
  '今日のお昼ご飯は何がいいですか',
  MENU.id,
  '最初から',
];

// ---------------------------------------------------------------------------------------------
// Figures

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
const sleep = (millis: number) => new Promise<void>((done) => setTimeout(done, millis));
const meets = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** A line of "<kB> kB" from /proc/<pid>/status, in bytes. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    const kb = line ? Number(/(\d+)\s*kB/.exec(line)?.[1]) : NaN;
    return Number.isFinite(kb) ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process, all threads (/proc/<pid>/stat, USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is killed when the bench ends, however it ends.

interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  spawnedAt: number;
  exited: Promise<void>;
  output(): string;
}

const children = new Set<Child>();
const alive = (child: Child) => child.proc.exitCode === null && child.proc.signalCode === null;
function killAll(): void {
  for (const child of children) if (alive(child)) child.proc.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping the servers`);
    killAll();
    process.exit(130);
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => done(port));
    });
  });
}

async function startChild(name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port) };
  delete childEnv.NODE_OPTIONS; // the bench runs under tsx; the servers run on plain node
  let output = '';
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, entry], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  await new Promise<void>((done, fail) => {
    proc.once('spawn', done);
    proc.once('error', fail);
  });
  const child: Child = { name, proc, pid: proc.pid!, port, spawnedAt, exited, output: () => output };
  children.add(child);
  return child;
}

/** SIGTERM (the bot finishes turns in flight and exits), SIGKILL after 5 s. */
async function stopChild(child: Child): Promise<void> {
  if (alive(child)) {
    child.proc.kill('SIGTERM');
    const killer = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
    await child.exited;
    clearTimeout(killer);
  }
  children.delete(child);
}

/** Polls every 10 ms until the probe answers; ms from spawn to that answer. Fails if the child dies or never answers. */
async function waitReady(child: Child, probe: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (!alive(child)) throw new Error(`${child.name} exited (code ${child.proc.exitCode ?? child.proc.signalCode}) before answering:\n${child.output()}`);
    if (await probe().catch(() => false)) return performance.now() - child.spawnedAt;
    if (performance.now() - child.spawnedAt > HEALTH_TIMEOUT_MS) throw new Error(`${child.name} did not answer within ${HEALTH_TIMEOUT_MS} ms:\n${child.output()}`);
    await sleep(HEALTH_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// The one HTTP client used against both servers: keep-alive sockets, one per concurrent conversation.

const agent = new http.Agent({ keepAlive: true, maxSockets: CONVERSATIONS + 8 });

interface HttpResult {
  status: number;
  body: string;
}

function request(port: number, method: 'GET' | 'POST', path: string, options: { json?: unknown; bearer?: string; fresh?: boolean; timeoutMs?: number } = {}): Promise<HttpResult> {
  return new Promise((done, fail) => {
    const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: http.OutgoingHttpHeaders = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: options.fresh ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', fail);
    req.end(payload);
  });
}

const healthy = (port: number) => async () => (await request(port, 'GET', '/healthz', { fresh: true, timeoutMs: 1000 })).status === 200;

// ---------------------------------------------------------------------------------------------
// Load

/** One timed window: workers run until the time or the turn budget is used up. */
class Phase {
  readonly latencies: number[] = [];
  readonly startLatencies: number[] = [];
  turns = 0;
  errors = 0;
  firstError: string | undefined;
  private readonly end: number;
  readonly startedAt = performance.now();

  constructor(seconds: number, private readonly maxTurns = Infinity) {
    this.end = this.startedAt + seconds * 1000;
  }

  get done(): boolean {
    return this.errors >= MAX_ERRORS || this.turns >= this.maxTurns || performance.now() >= this.end;
  }

  /** Times one request; true when it got the expected status. */
  async time(into: number[], expected: number, send: () => Promise<HttpResult>): Promise<HttpResult | undefined> {
    const start = performance.now();
    try {
      const result = await send();
      into.push(performance.now() - start);
      if (result.status === expected) return result;
      this.fail(`status ${result.status}: ${result.body.slice(0, 200)}`);
    } catch (err) {
      this.fail((err as Error).message);
    }
    return undefined;
  }

  fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }
}

interface LoadResult {
  turns: number;
  errors: number;
  firstError?: string;
  seconds: number;
  turnsPerSecond: number;
  p50: number;
  p99: number;
  serverCpu: number;
  clientCpu: number;
  starts: number[];
}

/** Runs `clients` workers in one phase, measuring the server's and this process's CPU around it. */
async function load(serverPid: number, seconds: number, maxTurns: number, worker: (phase: Phase, index: number) => Promise<void>): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const phase = new Phase(seconds, maxTurns);
  await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => worker(phase, i)));
  const elapsed = (performance.now() - phase.startedAt) / 1000;
  const client = process.cpuUsage(clientBefore);
  const sorted = [...phase.latencies].sort((a, b) => a - b);
  return {
    turns: phase.turns,
    errors: phase.errors,
    firstError: phase.firstError,
    seconds: elapsed,
    turnsPerSecond: phase.turns / elapsed,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    serverCpu: (cpuSeconds(serverPid) - cpuBefore) / elapsed,
    clientCpu: (client.user + client.system) / 1e6 / elapsed,
    starts: phase.startLatencies,
  };
}

interface Conversation {
  id: string;
  token: string;
  user: string;
  sent: number;
}

/** Every conversation the bot was asked to start in the load run (warm-up, probe, measured). */
let conversationsStarted = 0;

const message = (user: string, text: string) => ({ type: 'message', from: { id: user, name: user }, text });

/** A Web Chat user: starts a conversation (its welcome turn), says the script, starts again. */
function botWorker(port: number, secret: string, record?: Conversation[]) {
  return async (phase: Phase, index: number) => {
    while (!phase.done) {
      const started = await phase.time(phase.startLatencies, 201, () => request(port, 'POST', `${DL}/conversations`, { bearer: secret }));
      if (!started) continue;
      conversationsStarted++;
      const { conversationId, token } = JSON.parse(started.body) as { conversationId: string; token: string };
      const conversation: Conversation = { id: conversationId, token, user: `bench-user-${index}`, sent: 0 };
      record?.push(conversation);
      for (const text of SCRIPT) {
        if (phase.done) break;
        const path = `${DL}/conversations/${encodeURIComponent(conversationId)}/activities`;
        const posted = await phase.time(phase.latencies, 200, () => request(port, 'POST', path, { bearer: token, json: message(conversation.user, text) }));
        phase.turns++;
        if (!posted) break;
        conversation.sent++;
      }
    }
  };
}

/** The same client, concurrency and bodies against the echo route. */
function echoWorker(port: number) {
  return async (phase: Phase, index: number) => {
    while (!phase.done) {
      for (const text of SCRIPT) {
        if (phase.done) break;
        const posted = await phase.time(phase.latencies, 200, () => request(port, 'POST', '/echo', { json: message(`bench-user-${index}`, text) }));
        phase.turns++;
        if (posted && (JSON.parse(posted.body) as { text?: string }).text !== text) phase.fail('the echo did not echo');
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Checks that every turn was really answered

interface Activity {
  type?: string;
  from?: { id?: string };
  text?: string;
}

async function activitiesOf(port: number, conversation: Conversation, watermark?: string): Promise<{ activities: Activity[]; watermark: string }> {
  const query = watermark === undefined ? '' : `?watermark=${watermark}`;
  const res = await request(port, 'GET', `${DL}/conversations/${encodeURIComponent(conversation.id)}/activities${query}`, { bearer: conversation.token });
  if (res.status !== 200) throw new Error(`GET activities: status ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as { activities: Activity[]; watermark: string };
}

/**
 * POST returns once the turn ran: one conversation says the whole script, and one GET right after each
 * POST must already hold the user's message followed by the bot's reply. Returns bot activities per turn.
 */
async function verifyPostCompletesTurn(port: number, secret: string): Promise<number[]> {
  const started = await request(port, 'POST', `${DL}/conversations`, { bearer: secret });
  if (started.status !== 201) throw new Error(`POST /conversations: status ${started.status} ${started.body}`);
  conversationsStarted++;
  const { conversationId, token } = JSON.parse(started.body) as { conversationId: string; token: string };
  const conversation: Conversation = { id: conversationId, token, user: 'bench-probe', sent: 0 };
  let { watermark } = await activitiesOf(port, conversation);
  const replies: number[] = [];
  for (const text of SCRIPT) {
    const posted = await request(port, 'POST', `${DL}/conversations/${encodeURIComponent(conversationId)}/activities`, { bearer: token, json: message(conversation.user, text) });
    if (posted.status !== 200) throw new Error(`POST activity ${JSON.stringify(text)}: status ${posted.status} ${posted.body}`);
    const after = await activitiesOf(port, conversation, watermark);
    watermark = after.watermark;
    const [own, ...bot] = after.activities;
    if (own?.from?.id !== conversation.user || own.text !== text) throw new Error(`GET after POST ${JSON.stringify(text)}: the user's message is not next in the conversation`);
    if (bot.length === 0 || bot.some((a) => a.from?.id === conversation.user)) throw new Error(`GET right after POST ${JSON.stringify(text)} returned: no bot reply yet, so POST does not wait for the turn`);
    if (JSON.stringify(bot).includes(TURN_ERROR_TEXT)) throw new Error(`the turn for ${JSON.stringify(text)} failed (the bot sent its error reply)`);
    replies.push(bot.length);
  }
  return replies;
}

/** After the load: in every conversation, each accepted message is followed by at least one bot reply, and no turn failed. */
async function verifyConversations(port: number, conversations: Conversation[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const check = async () => {
    while (next < conversations.length) {
      const conversation = conversations[next++]!;
      const { activities } = await activitiesOf(port, conversation);
      const fromUser = activities.map((a) => a.from?.id === conversation.user);
      const answered = fromUser.filter((user, i) => user && fromUser[i + 1] === false).length;
      const said = fromUser.filter(Boolean).length;
      if (fromUser[0] !== false) problems.push(`${conversation.id}: no welcome before the first message`);
      if (said !== conversation.sent || answered !== said) problems.push(`${conversation.id}: ${conversation.sent} messages accepted, ${said} stored, ${answered} answered`);
      if (JSON.stringify(activities).includes(TURN_ERROR_TEXT)) problems.push(`${conversation.id}: a turn failed (error reply)`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, check));
  return problems;
}

// ---------------------------------------------------------------------------------------------

function loadLine(name: string, unit: string, r: LoadResult): string {
  const cpu = `server CPU ${(100 * r.serverCpu).toFixed(0)} % (${ms((1000 * r.serverCpu) / r.turnsPerSecond)} per request), client CPU ${(100 * r.clientCpu).toFixed(0)} %`;
  return `${name}: ${r.turnsPerSecond.toFixed(0)} ${unit}/s (${r.turns} in ${r.seconds.toFixed(1)} s), latency p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, errors ${r.errors}; ${cpu}`;
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function newestProfile(dir: string, since: number): string | undefined {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

async function main(): Promise<number> {
  if (!existsSync(BOT_ENTRY)) throw new Error(`${BOT_ENTRY} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  const secret = randomBytes(24).toString('base64url');
  // The bench is one client on one address driving many conversations: rate limits off, and state in
  // a fresh directory of its own (removed at exit) so runs neither share nor lock ./data.
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-data-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const botEnv = { LOG_LEVEL: 'warn', DIRECT_LINE_SECRET: secret, DATA_DIR: dataDir, RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: '0', RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: '0' };
  const cpus = os.cpus();
  console.log(`server bench: node dist/main.js vs bare restify echo (bench/echoServer.cjs), ${CONVERSATIONS} concurrent conversations, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per server (max ${MAX_TURNS} turns)`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, load average ${loadAverage()}; client and servers share these CPUs; one keep-alive http.Agent client, 127.0.0.1 only`);

  // 3. Start-up time, each run a fresh process.
  const startTimes: number[] = [];
  const startRss: number[] = [];
  for (let run = 0; run < START_RUNS; run++) {
    const bot = await startChild('bot', BOT_ENTRY, botEnv);
    try {
      startTimes.push(await waitReady(bot, healthy(bot.port)));
      startRss.push(procStatus(bot.pid, 'VmRSS') ?? NaN);
    } finally {
      await stopChild(bot);
    }
  }
  const startMedian = median(startTimes);
  console.log(`start to healthy (spawn → first 200 on GET /healthz, polled every ${HEALTH_POLL_MS} ms): median ${ms(startMedian)} of ${START_RUNS} runs (${startTimes.map((t) => t.toFixed(0)).join(', ')} ms)   target ≤ ${TARGETS.startMs} ms: ${meets(startMedian <= TARGETS.startMs)}`);

  // 1 and 4. The bot under load, with its RSS before and after.
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
  const profiledSince = Date.now();
  const bot = await startChild('bot', BOT_ENTRY, botEnv, CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []);
  let botResult: LoadResult;
  let failures = 0;
  const windows: Window[] = [];
  try {
    const readyMs = await waitReady(bot, healthy(bot.port));
    windows.push({ label: `bot start-up (spawn → healthy, ${readyMs.toFixed(0)} ms)`, toMs: readyMs });
    const rssStart = procStatus(bot.pid, 'VmRSS');
    console.log(`bot RSS after start: ${mb(rssStart)} (runs of the start test: ${startRss.map((r) => mb(r)).join(', ')})   target ≤ ${TARGETS.rssMb} MB: ${meets((rssStart ?? Infinity) <= TARGETS.rssMb * 2 ** 20)}`);

    const replies = await verifyPostCompletesTurn(bot.port, secret);
    console.log(`POST completes the turn: a GET right after each of ${replies.length} POSTs already held the bot's reply (${(replies.reduce((a, b) => a + b, 0) / replies.length).toFixed(1)} bot activities per turn)`);

    if (WARMUP_SECONDS > 0) await load(bot.pid, WARMUP_SECONDS, MAX_TURNS, botWorker(bot.port, secret));
    const conversations: Conversation[] = [];
    const loadFrom = performance.now() - bot.spawnedAt;
    botResult = await load(bot.pid, SECONDS, MAX_TURNS, botWorker(bot.port, secret, conversations));
    windows.push({ label: `bot under load (measured ${SECONDS} s run)`, fromMs: loadFrom, toMs: performance.now() - bot.spawnedAt });
    const rssLoad = procStatus(bot.pid, 'VmRSS');
    const hwm = procStatus(bot.pid, 'VmHWM');
    const starts = [...botResult.starts].sort((a, b) => a - b);
    console.log(loadLine('bot, Direct Line turns', 'turns', botResult));
    console.log(`  ${starts.length} conversations started during it (POST /conversations, welcome turn): p50 ${ms(quantile(starts, 0.5))}, p99 ${ms(quantile(starts, 0.99))}; script of ${SCRIPT.length} messages each`);
    if (botResult.firstError) console.log(`  first error: ${botResult.firstError}`);
    failures += botResult.errors;

    const problems = await verifyConversations(bot.port, conversations);
    console.log(`  checked by GET: ${conversations.length} conversations, ${conversations.reduce((n, c) => n + c.sent, 0)} messages, ${problems.length ? `${problems.length} with problems, e.g. ${problems[0]}` : 'every message answered, no failed turn'}`);
    failures += problems.length;

    console.log(`bot RSS after load: ${mb(rssLoad)} (peak ${mb(hwm)}, ${conversationsStarted} conversations held in memory, ${SCRIPT.length + 1} turns each)   target ≤ ${TARGETS.rssMb} MB: ${meets((rssLoad ?? Infinity) <= TARGETS.rssMb * 2 ** 20)}`);
    const logged = bot.output().trim();
    if (logged) console.log(`  the bot printed (LOG_LEVEL=warn): ${logged.split('\n').length} lines, first: ${logged.split('\n')[0]!.slice(0, 300)}`);
  } finally {
    await stopChild(bot);
  }
  if (CPU_PROF_DIR) {
    const profile = newestProfile(CPU_PROF_DIR, profiledSince - 1000);
    if (profile) for (const line of summarizeProfile(profile, windows)) console.log(line);
    else console.log(`no .cpuprofile appeared in ${CPU_PROF_DIR}`);
  }

  // 2. The bare restify echo, same client and concurrency.
  const echo = await startChild('echo', ECHO_ENTRY, {});
  let echoResult: LoadResult;
  try {
    await waitReady(echo, async () => (await request(echo.port, 'POST', '/echo', { json: { ping: 1 }, fresh: true, timeoutMs: 1000 })).status === 200);
    if (WARMUP_SECONDS > 0) await load(echo.pid, WARMUP_SECONDS, MAX_TURNS, echoWorker(echo.port));
    echoResult = await load(echo.pid, SECONDS, MAX_TURNS, echoWorker(echo.port));
    console.log(loadLine('echo, bare restify 11 JSON POST', 'requests', echoResult));
    if (echoResult.firstError) console.log(`  first error: ${echoResult.firstError}`);
    failures += echoResult.errors;
  } finally {
    await stopChild(echo);
  }

  const ratio = botResult.turnsPerSecond / echoResult.turnsPerSecond;
  console.log(`throughput ratio bot/echo: ${ratio.toFixed(3)}   target ≥ ${TARGETS.ratio}: ${meets(ratio >= TARGETS.ratio)}`);
  // Server CPU per request does not depend on how much CPU other work on the machine left the servers.
  const cpuRatio = echoResult.serverCpu / echoResult.turnsPerSecond / (botResult.serverCpu / botResult.turnsPerSecond);
  console.log(`  the same ratio from server CPU per request (echo/bot, what a saturated server would give): ${cpuRatio.toFixed(3)}`);
  if (echoResult.clientCpu > 0.9) console.log('  note: the client used a whole CPU during the echo run, so the echo figure is a lower bound (and the ratio an upper bound)');
  console.log(`load average at the end: ${loadAverage()} (other work on the machine skews every figure above)`);
  if (failures) console.log(`FAILED: ${failures} errors or unanswered turns (see above)`);
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

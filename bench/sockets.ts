// `npm run bench:sockets`: the compiled server (dist/main.js) takes 10,000 Direct Line WebSockets opened
// at once, which are then all dropped at once (half closed cleanly, half cut off: a quarter destroyed,
// a quarter reset), while a few ordinary chat users go on talking to it. Printed: the server's RSS
// before, at the peak and after it settled, its open file descriptors (every socket is one), the chat
// users' answers by status, and whether RSS came back within 10 % of before. The run fails (exit 1)
// on a 5xx, a failed request or a lost reply for a chat user, a storm socket that did not open, or
// descriptors the server kept; RSS is a figure.
// All traffic stays on 127.0.0.1 (the storm) and 127.0.0.2 (the chat users).
//
// Settings (environment): BENCH_SOCKETS (10000), BENCH_CHAT_USERS (4), BENCH_SETTLE_SECONDS (180, at
// most), BENCH_ROUNDS (1: storms one after the other), BENCH_INSPECT=1 (also memory after a forced GC,
// through the inspector), BENCH_HEAPSNAPSHOT_DIR=<dir> (heap snapshots before and after),
// BENCH_SERVER_NODE_ARGS (e.g. --cpu-prof). Both ends hold one descriptor per socket: the run needs a
// hard limit of open files (`ulimit -Hn`) of BENCH_SOCKETS + 1024 or more; Node raises the soft one to it.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { TURN_ERROR_TEXT } from '../src/channels/channel';
import { MENU } from '../src/dialogs/phrases';
import { IDLE_SOCKET_MS, request, type HttpResult } from './chatClients';
import { procStatus } from './processes';

const ROOT = resolve(__dirname, '..');
const BOT_ENTRY = join(ROOT, 'dist/main.js');
const DL = '/v3/directline';

const setting = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${raw}`);
  return value;
};
const SOCKETS = setting('BENCH_SOCKETS', 10_000);
const CHAT_USERS = setting('BENCH_CHAT_USERS', 4);
/**
 * How long the server may take to settle: RSS is read every second until it is back within 10 % of
 * before, at most this long. The dropped sockets' garbage goes at V8's next full collection, which
 * comes when the server allocates enough (the chat users' traffic), not on a timer.
 */
const SETTLE_SECONDS = setting('BENCH_SETTLE_SECONDS', 180);
/** Storms one after the other: memory a leak holds grows with each, memory merely kept does not. */
const ROUNDS = setting('BENCH_ROUNDS', 1);
/** The server's cap on one conversation's open sockets. */
const PER_CONVERSATION = 8;
const CONVERSATIONS = Math.ceil(SOCKETS / PER_CONVERSATION);
/** Descriptors each process needs besides the sockets (node, LevelDB, the chat users, stdio). */
const FD_MARGIN = 1024;
const STORM_ADDRESS = '127.0.0.1';
const CHAT_ADDRESS = '127.0.0.2';
const OPEN_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** The chat users' pace: a person types a message every few seconds; one second keeps the run short. */
const CHAT_PAUSE_MS = 1000;
const TARGET_RSS_RATIO = 1.1;
/** The whole run stops (server killed, exit 1) past this, whatever hangs. */
const BUDGET_MS = (5 + ROUNDS * 5) * 60_000 + ROUNDS * SETTLE_SECONDS * 1000;

const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const sleep = (millis: number) => new Promise<void>((done) => setTimeout(done, millis));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

// ---------------------------------------------------------------------------------------------
// The descriptor limit.

/** Soft and hard "Max open files" of this process. */
function openFileLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? NaN, hard: hard ?? NaN };
}

/**
 * Node raises its soft limit to the hard one as it starts (the server too), so the hard limit is what
 * counts; below what the run needs, it stops here rather than fail with EMFILE halfway.
 */
function ensureOpenFileLimit(): void {
  const need = SOCKETS + FD_MARGIN;
  const { soft, hard } = openFileLimits();
  if (soft >= need) return;
  console.error(`bench:sockets needs ${need} open files per process, has ${soft} (hard limit ${hard}): raise the hard limit (\`ulimit -Hn ${need}\` as root, or nofile in /etc/security/limits.conf) or set BENCH_SOCKETS lower`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// The server: its RSS and its open descriptors, from /proc (nothing the server does for the bench).

/** Open descriptors of the process: its sockets, plus a constant few (files, pipes, the event loop). */
function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

interface Server {
  proc: ChildProcess;
  pid: number;
  port: number;
  output(): string;
}

let server: Server | undefined;
const killServer = () => {
  if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
};
process.on('exit', killServer);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\nbench:sockets: ${signal}, stopping the server`);
    killServer();
    process.exit(130);
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, STORM_ADDRESS, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => done(port));
    });
  });
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port), HOST: STORM_ADDRESS };
  delete childEnv.NODE_OPTIONS; // the bench runs under tsx; the server runs on plain node
  let output = '';
  const nodeArgs = [...(INSPECT ? ['--inspect=127.0.0.1:0'] : []), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const proc = spawn(process.execPath, [...nodeArgs, BOT_ENTRY], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-64 * 1024));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  await new Promise<void>((done, fail) => {
    proc.once('spawn', done);
    proc.once('error', fail);
  });
  const started: Server = { proc, pid: proc.pid!, port, output: () => output };
  for (const deadline = performance.now() + 15_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}) while starting:\n${output}`);
    const ok = await request(started.port, 'GET', '/healthz', { agent: false, timeoutMs: 1000 }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return started;
    if (performance.now() > deadline) throw new Error(`the server did not answer /healthz within 15 s:\n${output}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// BENCH_INSPECT=1, to tell a leak from memory merely kept: the server runs with --inspect (on
// 127.0.0.1) and its garbage is collected before each reading; BENCH_HEAPSNAPSHOT_DIR also writes a
// heap snapshot there before the storm and after it.

class Inspector {
  private next = 0;
  private readonly pending = new Map<number, { done: (result: unknown) => void; fail: (err: Error) => void }>();
  private chunks: string[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: { chunk: string } };
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') this.chunks.push(message.params!.chunk);
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id!);
      if (message.error) waiting.fail(new Error(message.error.message));
      else waiting.done(message.result);
    });
  }

  /** The inspector the server announced on stderr ("Debugger listening on ws://…"). */
  static async of(server: Server): Promise<Inspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(server.output())?.[1];
    if (!url) throw new Error('BENCH_INSPECT: the server announced no inspector');
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((done, fail) => ws.once('open', done).once('error', fail));
    return new Inspector(ws);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.next;
    return new Promise((done, fail) => {
      this.pending.set(id, { done: done as (result: unknown) => void, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** After a full garbage collection: process.memoryUsage() of the server. */
  async collectedMemory(): Promise<NodeJS.MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage');
    const { result } = await this.call<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(result.value) as NodeJS.MemoryUsage;
  }

  async snapshot(path: string): Promise<void> {
    this.chunks = [];
    await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    writeFileSync(path, this.chunks.join(''));
    this.chunks = [];
  }

  close(): void {
    this.ws.close();
  }
}

const INSPECT = Boolean(process.env.BENCH_INSPECT || process.env.BENCH_HEAPSNAPSHOT_DIR);
const SNAPSHOT_DIR = process.env.BENCH_HEAPSNAPSHOT_DIR ? resolve(process.env.BENCH_HEAPSNAPSHOT_DIR) : undefined;
const memoryLine = (m: NodeJS.MemoryUsage) => `RSS ${mb(m.rss)}, heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)})`;

// ---------------------------------------------------------------------------------------------
// HTTP

// Idle keep-alive sockets are dropped before the server's timeout can close one under a chat user's
// POST, which is not sent again (one was cut off so, in a run, while the storm opened).
const stormAgent = new http.Agent({ keepAlive: true, maxSockets: 32, localAddress: STORM_ADDRESS, timeout: IDLE_SOCKET_MS });
const chatAgent = new http.Agent({ keepAlive: true, maxSockets: CHAT_USERS * 2, localAddress: CHAT_ADDRESS, timeout: IDLE_SOCKET_MS });

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachLimited<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

interface Session {
  conversationId: string;
  token: string;
  streamUrl: string;
}

// ---------------------------------------------------------------------------------------------
// The ordinary chat users, in a process of their own (the storm's client keeps this one's event loop
// busy for seconds) and on another address: each starts a conversation, opens its socket, says a few
// things a second apart, checks every reply by GET and over its socket, and starts again.

type Phase = 'before' | 'opening' | 'open' | 'dropping' | 'settling';
type Kind = 'chat request' | 'socket open' | 'healthz';
const KINDS: Kind[] = ['chat request', 'socket open', 'healthz'];
const PHASES: Phase[] = ['before', 'opening', 'open', 'dropping', 'settling'];
const CHAT_SCRIPT = [MENU.certificate, 'KJのパスワードを忘れました', MENU.faq, 'ヘルプデスクの電話番号を教えて'];

/** What the chat process hands back when stopped. */
interface ChatReport {
  statuses: Array<[string, number]>;
  /** Milliseconds by "<kind> <phase>": requests of the chat, socket opens, and /healthz every 200 ms. */
  latencies: Array<[string, number[]]>;
  problems: string[];
  turns: number;
  conversations: number;
}

class ChatUsers {
  phase: Phase = 'before';
  readonly statuses = new Map<string, number>();
  readonly latencies = new Map<string, number[]>();
  readonly problems: string[] = [];
  turns = 0;
  conversations = 0;
  private stopped = false;
  private readonly running: Array<Promise<void>> = [];

  constructor(private readonly port: number, private readonly secret: string) {}

  start(): void {
    for (let i = 0; i < CHAT_USERS; i++) this.running.push(this.user(`chat-user-${i}`));
    this.running.push(this.health());
  }

  /** How soon the server answers at all: /healthz every 200 ms, on a connection kept open. */
  private async health(): Promise<void> {
    while (!this.stopped) {
      await this.call('GET /healthz', 200, () => request(this.port, 'GET', '/healthz', { agent: chatAgent }), 'healthz');
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  report(): ChatReport {
    return { statuses: [...this.statuses], latencies: [...this.latencies], problems: this.problems, turns: this.turns, conversations: this.conversations };
  }

  private count(what: string, status: number | string): void {
    const key = `${what} ${status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  private problem(text: string): void {
    if (this.problems.length < 20) this.problems.push(text);
  }

  private time(kind: Kind, phase: Phase, started: number): void {
    const key = `${kind} ${phase}`;
    if (!this.latencies.has(key)) this.latencies.set(key, []);
    this.latencies.get(key)!.push(performance.now() - started);
  }

  /** One request, timed in the phase it started in; its status counted (`no answer` when none came). */
  private async call(what: string, expected: number, send: () => Promise<HttpResult>, kind: Kind = 'chat request'): Promise<HttpResult | undefined> {
    const phase = this.phase;
    const started = performance.now();
    try {
      const result = await send();
      this.time(kind, phase, started);
      this.statuses.set(String(result.status), (this.statuses.get(String(result.status)) ?? 0) + 1);
      if (result.status !== expected) this.problem(`${what} in phase ${phase}: ${result.status} ${result.body.slice(0, 160)}`);
      return result.status === expected ? result : undefined;
    } catch (err) {
      this.count('no answer:', (err as Error).message);
      this.problem(`${what} in phase ${phase}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async user(name: string): Promise<void> {
    while (!this.stopped) {
      const started = await this.call('POST /conversations', 201, () => request(this.port, 'POST', `${DL}/conversations`, { bearer: this.secret, agent: chatAgent }));
      if (!started) {
        await sleep(CHAT_PAUSE_MS);
        continue;
      }
      this.conversations++;
      const session = JSON.parse(started.body) as Session;
      const socket = await this.openSocket(session);
      const path = `${DL}/conversations/${encodeURIComponent(session.conversationId)}/activities`;
      let watermark = '';
      for (const text of CHAT_SCRIPT) {
        if (this.stopped) break;
        const posted = await this.call('POST activity', 200, () => request(this.port, 'POST', path, { bearer: session.token, agent: chatAgent, json: { type: 'message', from: { id: name }, text } }));
        if (!posted) break;
        this.turns++;
        // The POST returns once its turn ran: the reply is there at once.
        const read = await this.call('GET activities', 200, () => request(this.port, 'GET', `${path}${watermark ? `?watermark=${watermark}` : ''}`, { bearer: session.token, agent: chatAgent }));
        if (!read) break;
        const got = JSON.parse(read.body) as { activities: Array<{ id: string; from?: { id?: string } }>; watermark: string };
        watermark = got.watermark;
        const ownAt = got.activities.findIndex((a) => a.id === (JSON.parse(posted.body) as { id: string }).id);
        if (ownAt < 0 || !got.activities.slice(ownAt + 1).some((a) => a.from?.id !== name)) this.problem(`${session.conversationId}: no reply to ${JSON.stringify(text)}`);
        if (read.body.includes(TURN_ERROR_TEXT)) this.problem(`${session.conversationId}: the turn for ${JSON.stringify(text)} failed`);
        await sleep(CHAT_PAUSE_MS);
      }
      if (socket) await this.checkSocket(session, socket);
    }
  }

  /** The conversation's socket, as Web Chat opens it; a refusal is counted like any other answer. */
  private openSocket(session: Session): Promise<{ ws: WebSocket; ids: string[] } | undefined> {
    const phase = this.phase;
    const started = performance.now();
    return new Promise((done) => {
      const ws = new WebSocket(session.streamUrl, { perMessageDeflate: false, localAddress: CHAT_ADDRESS, handshakeTimeout: REQUEST_TIMEOUT_MS });
      const ids: string[] = [];
      ws.on('message', (data) => {
        const text = data.toString();
        if (text) ids.push(...(JSON.parse(text) as { activities: Array<{ id: string }> }).activities.map((a) => a.id));
      });
      ws.on('open', () => {
        this.time('socket open', phase, started);
        this.statuses.set('101', (this.statuses.get('101') ?? 0) + 1);
        done({ ws, ids });
      });
      ws.on('unexpected-response', (_req, res) => {
        this.statuses.set(String(res.statusCode), (this.statuses.get(String(res.statusCode)) ?? 0) + 1);
        this.problem(`socket refused in phase ${phase}: ${res.statusCode}`);
        res.resume();
        ws.terminate();
        done(undefined);
      });
      ws.on('error', (err) => {
        this.count('no answer:', `socket ${err.message}`);
        this.problem(`socket in phase ${phase}: ${err.message}`);
        done(undefined);
      });
    });
  }

  /** What the socket carried equals the conversation as stored (waiting a moment for the last frames). */
  private async checkSocket(session: Session, socket: { ws: WebSocket; ids: string[] }): Promise<void> {
    const path = `${DL}/conversations/${encodeURIComponent(session.conversationId)}/activities`;
    const all = await this.call('GET activities', 200, () => request(this.port, 'GET', path, { bearer: session.token, agent: chatAgent }));
    if (all) {
      const stored = (JSON.parse(all.body) as { activities: Array<{ id: string }> }).activities.map((a) => a.id);
      for (const deadline = performance.now() + 5000; socket.ids.length < stored.length && performance.now() < deadline; ) await sleep(50);
      if (JSON.stringify(socket.ids) !== JSON.stringify(stored)) this.problem(`${session.conversationId}: the socket carried ${socket.ids.length} activities of ${stored.length} stored, or not in order`);
    }
    socket.ws.close(1000);
  }
}

/** The chat process: told the phase and when to stop by its parent, it answers with its report. */
function runChatProcess(port: number, secret: string): void {
  const chat = new ChatUsers(port, secret);
  process.on('message', (message: { phase?: Phase; stop?: boolean }) => {
    if (message.phase) chat.phase = message.phase;
    if (message.stop) void chat.stop().then(() => process.send!(chat.report(), () => process.exit(0)));
  });
  chat.start();
}

/** The parent's handle on the chat process. */
class ChatProcess {
  private readonly child: ChildProcess;
  private readonly reported: Promise<ChatReport>;

  constructor(port: number, secret: string) {
    this.child = fork(__filename, ['--chat', String(port)], { execArgv: process.execArgv, env: { ...process.env, BENCH_CHAT_SECRET: secret }, stdio: 'inherit' });
    this.reported = new Promise((done, fail) => {
      this.child.once('message', (report: ChatReport) => done(report));
      this.child.once('exit', (code) => fail(new Error(`the chat process exited (${code}) without a report`)));
    });
  }

  set phase(phase: Phase) {
    this.child.send({ phase });
  }

  stop(): Promise<ChatReport> {
    this.child.send({ stop: true });
    return this.reported;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// The storm

interface Storm {
  sockets: WebSocket[];
  opened: number;
  refused: Map<number, number>;
  errors: Map<string, number>;
  /** Sockets that received the conversation's welcome (the server read its store for each). */
  welcomed: number;
}

/** Opens every socket at once, `PER_CONVERSATION` to a conversation; resolves when each has opened or failed. */
async function openAll(sessions: Session[]): Promise<Storm> {
  const storm: Storm = { sockets: [], opened: 0, refused: new Map(), errors: new Map(), welcomed: 0 };
  const settled: Array<Promise<void>> = [];
  for (let i = 0; i < SOCKETS; i++) {
    const session = sessions[Math.floor(i / PER_CONVERSATION)]!;
    const ws = new WebSocket(session.streamUrl, { perMessageDeflate: false, localAddress: STORM_ADDRESS, handshakeTimeout: OPEN_TIMEOUT_MS });
    storm.sockets.push(ws);
    let welcomed = false;
    ws.on('message', (data) => {
      if (!welcomed && data.toString() !== '') {
        welcomed = true;
        storm.welcomed++;
      }
    });
    settled.push(
      new Promise<void>((done) => {
        ws.once('open', () => {
          storm.opened++;
          done();
        });
        ws.once('unexpected-response', (_req, res) => {
          storm.refused.set(res.statusCode ?? 0, (storm.refused.get(res.statusCode ?? 0) ?? 0) + 1);
          res.resume();
          ws.terminate();
          done();
        });
        ws.on('error', (err) => {
          storm.errors.set(err.message, (storm.errors.get(err.message) ?? 0) + 1);
          done();
        });
      }),
    );
  }
  await Promise.all(settled);
  return storm;
}

/** Drops every socket at once: even ones closed cleanly (1000), odd ones cut off without a close frame, by FIN or by RST. */
function dropAll(storm: Storm): { closed: number; destroyed: number; reset: number } {
  const dropped = { closed: 0, destroyed: 0, reset: 0 };
  storm.sockets.forEach((ws, i) => {
    // ws keeps the TCP socket to itself; cutting it is what a crashed tab or a dead network does.
    const tcp = (ws as unknown as { _socket?: net.Socket })._socket;
    if (ws.readyState !== WebSocket.OPEN || !tcp) return;
    if (i % 2 === 0) {
      ws.close(1000);
      dropped.closed++;
    } else if (i % 4 === 1) {
      tcp.destroy();
      dropped.destroyed++;
    } else {
      tcp.resetAndDestroy();
      dropped.reset++;
    }
  });
  return dropped;
}

/** Samples the server's RSS and descriptors every 100 ms, keeping the highest. */
class Peak {
  rss = 0;
  fds = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): void {
    this.rss = Math.max(this.rss, procStatus(this.pid, 'VmRSS') ?? 0);
    this.fds = Math.max(this.fds, openFds(this.pid) || 0);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (!existsSync(BOT_ENTRY)) throw new Error(`${BOT_ENTRY} is missing: run \`npm run build\` first (\`npm run bench:sockets\` does)`);
  const secret = randomBytes(24).toString('base64url');
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-sockets-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  // One address opens every socket and conversation: its budgets for new sockets and chats (one
  // setting) and for requests are raised far above the storm. The per-conversation limit stays.
  const high = String(10 * (SOCKETS + CONVERSATIONS));
  server = await startServer({ LOG_LEVEL: 'warn', DIRECT_LINE_SECRET: secret, DATA_DIR: dataDir, RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: high, RATE_LIMIT_PER_IP_PER_MINUTE: high });
  const { pid, port } = server;
  const cpus = os.cpus();
  const limits = openFileLimits();
  console.log(`sockets bench, ${new Date().toISOString()}: ${SOCKETS} Direct Line WebSockets on ${CONVERSATIONS} conversations (${PER_CONVERSATION} each, the server's cap) opened at once, then dropped at once; ${CHAT_USERS} chat users meanwhile`);
  console.log(`machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; open files per process ${limits.soft} (hard limit ${limits.hard}); bench and server share the CPUs; 127.0.0.1 and 127.0.0.2 only`);
  console.log(`server RSS after start: ${mb(procStatus(pid, 'VmRSS'))}, open descriptors ${openFds(pid)}`);

  const chat = new ChatProcess(port, secret);
  process.on('exit', () => chat.kill());

  // The conversations, as many users' chats (each with its welcome), then fresh stream URLs: a stream
  // token opens sockets for a minute, and starting them all takes a while.
  let started = performance.now();
  const ids: string[] = [];
  await eachLimited(Array.from({ length: CONVERSATIONS }, (_, i) => i), 16, async () => {
    const res = await request(port, 'POST', `${DL}/conversations`, { bearer: secret, agent: stormAgent });
    if (res.status !== 201) throw new Error(`POST /conversations: ${res.status} ${res.body.slice(0, 200)}`);
    ids.push((JSON.parse(res.body) as Session).conversationId);
  });
  console.log(`${CONVERSATIONS} conversations started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sleep(3000);
  const inspector = INSPECT ? await Inspector.of(server) : undefined;
  const collectedBefore = await inspector?.collectedMemory();
  if (collectedBefore) console.log(`before, after a forced GC: ${memoryLine(collectedBefore)}`);
  if (inspector && SNAPSHOT_DIR) {
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    await inspector.snapshot(join(SNAPSHOT_DIR, 'before.heapsnapshot'));
  }
  const before = { rss: procStatus(pid, 'VmRSS')!, fds: openFds(pid) };
  console.log(`before: RSS ${mb(before.rss)}, open descriptors ${before.fds}`);

  const peak = new Peak(pid);
  let after = before;
  let collectedAfter: NodeJS.MemoryUsage | undefined;
  let settled = 0;
  let notOpened = 0;
  let notReleased = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const label = ROUNDS > 1 ? `round ${round}: ` : '';
    // Fresh stream URLs (GET conversations/{id}, as a reconnect): a stream token opens sockets for a minute.
    const sessions: Session[] = [];
    await eachLimited(ids, 16, async (id) => {
      const res = await request(port, 'GET', `${DL}/conversations/${encodeURIComponent(id)}`, { bearer: secret, agent: stormAgent });
      if (res.status !== 200) throw new Error(`GET /conversations/{id}: ${res.status} ${res.body.slice(0, 200)}`);
      sessions.push(JSON.parse(res.body) as Session);
    });

    // Open them all at once.
    chat.phase = 'opening';
    started = performance.now();
    const storm = await openAll(sessions);
    const openSeconds = (performance.now() - started) / 1000;
    chat.phase = 'open';
    for (const deadline = performance.now() + 30_000; storm.welcomed < storm.opened && performance.now() < deadline; ) await sleep(100);
    await sleep(2000);
    peak.sample();
    const held = { rss: procStatus(pid, 'VmRSS')!, fds: openFds(pid) };
    const refused = [...storm.refused].map(([status, n]) => `${n} × ${status}`).join(', ') || 'none';
    const errors = [...storm.errors].map(([message, n]) => `${n} × ${message}`).join(', ') || 'none';
    console.log(`${label}opened ${storm.opened} of ${SOCKETS} in ${openSeconds.toFixed(1)} s (refused: ${refused}; failed: ${errors}); ${storm.welcomed} received their conversation's welcome`);
    console.log(`${label}all open: RSS ${mb(held.rss)}, open descriptors ${held.fds} (${held.fds - before.fds} more than before)`);
    notOpened += SOCKETS - storm.opened;

    // Drop them all at once, and wait for the server to let go of every descriptor.
    chat.phase = 'dropping';
    started = performance.now();
    const dropped = dropAll(storm);
    let released = NaN;
    for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(100)) {
      // The chat users hold a socket or two of their own, before as now.
      if (openFds(pid) <= before.fds + 2 * CHAT_USERS) {
        released = (performance.now() - started) / 1000;
        break;
      }
    }
    if (Number.isNaN(released)) notReleased++;
    chat.phase = 'settling';
    console.log(`${label}dropped ${dropped.closed} closed (1000), ${dropped.destroyed} destroyed (FIN, no close frame), ${dropped.reset} reset (RST); the server was back to ${openFds(pid)} open descriptors ${Number.isNaN(released) ? 'NOT within 60 s' : `after ${released.toFixed(1)} s`}`);

    // Settling: the chat goes on until RSS is back within 10 % of before, or the time is up.
    started = performance.now();
    for (const deadline = started + SETTLE_SECONDS * 1000; performance.now() < deadline && (procStatus(pid, 'VmRSS') ?? Infinity) > before.rss * TARGET_RSS_RATIO; ) await sleep(1000);
    settled = (performance.now() - started) / 1000;
    after = { rss: procStatus(pid, 'VmRSS')!, fds: openFds(pid) };
    console.log(`${label}after ${settled.toFixed(0)} s settling: RSS ${mb(after.rss)}, open descriptors ${after.fds}`);
    collectedAfter = await inspector?.collectedMemory();
    if (collectedAfter) console.log(`${label}after, after a forced GC: ${memoryLine(collectedAfter)}`);
  }
  peak.stop();
  const hwm = procStatus(pid, 'VmHWM');
  if (inspector && SNAPSHOT_DIR) await inspector.snapshot(join(SNAPSHOT_DIR, 'after.heapsnapshot'));
  inspector?.close();
  const report = await chat.stop();

  const ratio = after.rss / before.rss;
  console.log(`RSS: before ${mb(before.rss)}, peak ${mb(peak.rss)} (VmHWM ${mb(hwm)}), after ${settled.toFixed(0)} s settling${ROUNDS > 1 ? ` after round ${ROUNDS}` : ''} ${mb(after.rss)} (${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %)   within 10 % of before: ${ratio <= TARGET_RSS_RATIO ? 'yes' : 'NO'}`);
  if (collectedBefore && collectedAfter) {
    const gcRatio = collectedAfter.rss / collectedBefore.rss;
    console.log(`  after forced GCs: heap used ${mb(collectedBefore.heapUsed)} before, ${mb(collectedAfter.heapUsed)} after; RSS ${mb(collectedBefore.rss)} before, ${mb(collectedAfter.rss)} after (${gcRatio >= 1 ? '+' : ''}${((gcRatio - 1) * 100).toFixed(1)} %)`);
  }
  console.log(`open descriptors: before ${before.fds}, peak ${peak.fds}, after ${after.fds}`);
  const answered = [...report.statuses].sort().map(([status, n]) => `${status}: ${n}`).join(', ');
  const fiveXX = report.statuses.filter(([status]) => status.startsWith('5')).reduce((n, [, count]) => n + count, 0);
  const latencies = new Map(report.latencies);
  console.log(`chat users: ${report.conversations} conversations, ${report.turns} turns; answers ${answered}; 5xx: ${fiveXX}`);
  for (const kind of KINDS) {
    const line = PHASES.map((p) => {
      const sorted = [...(latencies.get(`${kind} ${p}`) ?? [])].sort((a, b) => a - b);
      return `${p} ${sorted.length ? `p50 ${ms(quantile(sorted, 0.5))}, max ${ms(sorted.at(-1)!)}` : '—'} (${sorted.length})`;
    }).join('; ');
    console.log(`  ${kind}: ${line}`);
  }
  for (const problem of report.problems) console.log(`  problem: ${problem}`);
  const logged = server.output().trim();
  if (logged) console.log(`the server printed (LOG_LEVEL=warn): ${logged.split('\n').length} lines, first: ${logged.split('\n')[0]!.slice(0, 300)}`);

  server.proc.kill('SIGTERM');
  await new Promise<void>((done) => server!.proc.once('exit', () => done()));
  const failed = fiveXX > 0 || report.problems.length > 0 || notOpened > 0 || notReleased > 0;
  if (failed) console.log('FAILED: see above (a 5xx or a lost reply for a chat user, a storm socket not opened, or descriptors not released)');
  return failed ? 1 : 0;
}

function start(): void {
  const watchdog = setTimeout(() => {
    console.error(`bench:sockets: still running after ${BUDGET_MS / 1000} s, giving up`);
    killServer();
    process.exit(1);
  }, BUDGET_MS);
  main()
    .then((code) => {
      clearTimeout(watchdog);
      stormAgent.destroy();
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      console.error(`bench:sockets failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      killServer();
      process.exit(1);
    });
}

if (process.argv[2] === '--chat') {
  runChatProcess(Number(process.argv[3]), process.env.BENCH_CHAT_SECRET ?? '');
} else {
  ensureOpenFileLimit();
  start();
}

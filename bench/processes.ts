// The servers `npm run bench` measures, each in a process of its own, and what /proc says of them.
// Every child is killed when the bench ends, however it ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(__dirname, '..');
const HEALTH_POLL_MS = 10;
export const HEALTH_TIMEOUT_MS = 15_000;

/** A line of "<kB> kB" from /proc/<pid>/status, in bytes. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    const kb = line ? Number(/(\d+)\s*kB/.exec(line)?.[1]) : NaN;
    return Number.isFinite(kb) ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process, all its threads (/proc/<pid>/stat, USER_HZ = 100). */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** User and system (kernel: sockets, disk) CPU seconds of a process, all its threads. */
export function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return { user: NaN, system: NaN };
  }
}

export interface Child {
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

export function killAll(): void {
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

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => done(port));
    });
  });
}

/** Spawns `node [nodeArgs] entry` on a free port of 127.0.0.1 (PORT, HOST), keeping the last 64 KiB it printed. */
export async function startChild(name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Child> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' };
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
export async function stopChild(child: Child): Promise<void> {
  if (alive(child)) {
    child.proc.kill('SIGTERM');
    const killer = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
    await child.exited;
    clearTimeout(killer);
  }
  children.delete(child);
}

/** Polls every 10 ms until the probe answers; ms from spawn to that answer. Fails if the child dies or never answers. */
export async function waitReady(child: Child, probe: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (!alive(child)) throw new Error(`${child.name} exited (code ${child.proc.exitCode ?? child.proc.signalCode}) before answering:\n${child.output()}`);
    if (await probe().catch(() => false)) return performance.now() - child.spawnedAt;
    if (performance.now() - child.spawnedAt > HEALTH_TIMEOUT_MS) throw new Error(`${child.name} did not answer within ${HEALTH_TIMEOUT_MS} ms:\n${child.output()}`);
    await new Promise((done) => setTimeout(done, HEALTH_POLL_MS));
  }
}

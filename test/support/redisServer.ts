import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './serverProcess';

/**
 * vitest global setup: the Redis tests run against REDIS_TEST_URL. When it is not set (a plain
 * `npm test`) and Debian's redis-server is installed, a throwaway one is started on a free loopback
 * port, without persistence, and stopped after the run; without redis-server those tests skip.
 */
export default async function startRedisForTests(): Promise<(() => void) | undefined> {
  if (process.env.REDIS_TEST_URL || spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const port = await freePort();
  const redis: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || redis.exitCode !== null) {
      redis.kill('SIGKILL');
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Set before the test workers are forked, which inherit it.
  process.env.REDIS_TEST_URL = `redis://127.0.0.1:${port}`;
  return () => {
    redis.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
}

/** True when something answers PING on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SharedTurnQueue, TurnLockTimeoutError, type SharedLocks } from '../../src/bot/turnQueue';
import { emptyFacts } from '../../src/dialogs/triageFacts';
import { TicketStore } from '../../src/handoff/ticketStore';
import { StorageOpenError } from '../../src/storage/levelStorage';
import { RedisStorage, type RedisStorageOptions } from '../../src/storage/redisStorage';
import { eTagSemantics } from './eTagSemantics';
import { freePort } from '../support/serverProcess';

// REDIS_TEST_URL: a Redis these tests may write to (under their own key prefix). .ci/run starts a
// throwaway redis-server and sets it; without it the Redis tests skip.
const REDIS_TEST_URL = process.env.REDIS_TEST_URL;
const SKIPPED = REDIS_TEST_URL ? '' : ' — skipped: no REDIS_TEST_URL and no redis-server installed';
/** The redis-server binary, for the outage test (which stops and restarts a Redis of its own). */
const REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0 ? 'redis-server' : undefined;

const conflict = /eTag conflict/;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const RUN = `test:${randomBytes(4).toString('hex')}:`;
let prefixes = 0;
const freshPrefix = () => `${RUN}${++prefixes}:`;


/** In-memory SharedLocks with the same rules as Redis's (one holder, token-checked, expiring). */
class MemoryLocks implements SharedLocks {
  readonly held = new Map<string, { token: string; until: number }>();
  async tryLock(name: string, token: string, ttlMs: number) {
    const lock = this.held.get(name);
    if (lock && lock.until > Date.now()) return false;
    this.held.set(name, { token, until: Date.now() + ttlMs });
    return true;
  }
  async extendLock(name: string, token: string, ttlMs: number) {
    const lock = this.held.get(name);
    if (!lock || lock.token !== token || lock.until <= Date.now()) return false;
    lock.until = Date.now() + ttlMs;
    return true;
  }
  async unlock(name: string, token: string) {
    if (this.held.get(name)?.token === token) this.held.delete(name);
  }
}

/** Runs `count` turns of `key` at once on the queues (in turn), recording how many ran together. */
async function overlapping(queues: Array<{ run: SharedTurnQueue['run'] }>, key: (i: number) => string, count: number) {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      queues[i % queues.length]!.run(key(i), async () => {
        running++;
        most = Math.max(most, running);
        await sleep(15);
        order.push(i);
        running--;
      }),
    ),
  );
  return { most, order };
}

describe('SharedTurnQueue (in-memory locks, as on one Redis)', () => {
  it('turns of one key never overlap, across queues; different keys run together', async () => {
    const locks = new MemoryLocks();
    const queues = [new SharedTurnQueue(locks), new SharedTurnQueue(locks)];
    expect((await overlapping(queues, () => 'c1', 8)).most).toBe(1);
    expect((await overlapping(queues, (i) => `c${i}`, 8)).most).toBe(8);
    expect(locks.held.size).toBe(0);
  });

  it('waits at most waitMs for a lock held elsewhere, then fails; a failing turn releases its lock', async () => {
    const locks = new MemoryLocks();
    await locks.tryLock('turn/c1', 'someone-else', 60_000);
    const queue = new SharedTurnQueue(locks, { waitMs: 150 });
    const started = Date.now();
    await expect(queue.run('c1', async () => 'ran')).rejects.toBeInstanceOf(TurnLockTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1000);

    await expect(queue.run('c2', async () => Promise.reject(new Error('turn failed')))).rejects.toThrow('turn failed');
    expect(locks.held.has('turn/c2')).toBe(false);
    expect(await queue.run('c2', async () => 'ran')).toBe('ran');
  });

  it('a lock left by a crashed holder is taken once it expires', async () => {
    const locks = new MemoryLocks();
    await locks.tryLock('turn/c1', 'crashed', 100);
    expect(await new SharedTurnQueue(locks, { waitMs: 2000 }).run('c1', async () => 'ran')).toBe('ran');
  });

  it('a long turn keeps its lock by renewing it', async () => {
    const locks = new MemoryLocks();
    const queue = new SharedTurnQueue(locks, { ttlMs: 90 });
    let other: string | undefined;
    await queue.run('c1', async () => {
      await sleep(250);
      other = (await locks.tryLock('turn/c1', 'other', 1000)) ? 'took it' : 'refused';
    });
    expect(other).toBe('refused');
  });
});

describe.skipIf(!REDIS_TEST_URL)(`RedisStorage on a real Redis${SKIPPED}`, () => {
  const url = REDIS_TEST_URL!;
  const opened: RedisStorage[] = [];
  let admin: RedisClientType;
  const redis = (prefix = freshPrefix(), options: RedisStorageOptions = {}) => {
    const storage = new RedisStorage(url, { prefix, commandTimeoutMs: 3000, ...options });
    opened.push(storage);
    return storage;
  };

  beforeAll(async () => {
    admin = createClient({ url });
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    const keys: string[] = [];
    for await (const batch of admin.scanIterator({ MATCH: `${RUN}*`, COUNT: 500 })) keys.push(...batch);
    if (keys.length > 0) await admin.del(keys);
    await admin.close();
  });

  describe('eTag semantics (as MemoryStorage)', () => eTagSemantics(() => redis()));

  it('instances with the same prefix share items (as two processes do); another prefix sees none of them', async () => {
    const prefix = freshPrefix();
    const [a, b, elsewhere] = [redis(prefix), redis(prefix), redis()];
    await a.write({ 'handoff/ticket/HD-1': { text: '電子証明書' } });
    const seen = (await b.read(['handoff/ticket/HD-1']))['handoff/ticket/HD-1'];
    expect(seen).toMatchObject({ text: '電子証明書' });
    await b.write({ 'handoff/ticket/HD-1': { text: 'B', eTag: seen.eTag } });
    expect((await a.read(['handoff/ticket/HD-1']))['handoff/ticket/HD-1'].text).toBe('B');
    expect(await elsewhere.read(['handoff/ticket/HD-1'])).toEqual({});
  });

  it('values are JSON (with their eTag) under <prefix>item:<key>', async () => {
    const prefix = freshPrefix();
    const storage = redis(prefix);
    await storage.write({ 'a/b': { text: 'に', list: [1] } });
    const raw = await admin.get(`${prefix}item:a/b`);
    expect(JSON.parse(String(raw))).toEqual({ text: 'に', list: [1], eTag: (await storage.read(['a/b']))['a/b'].eTag });
  });

  it('concurrent writers with the same eTag on two instances: exactly one wins, the others get "eTag conflict"', async () => {
    const prefix = freshPrefix();
    const instances = [redis(prefix), redis(prefix)];
    await instances[0]!.write({ item: { writer: 'none' } });
    const { eTag } = (await instances[1]!.read(['item'])).item;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => instances[i % 2]!.write({ item: { writer: `w${i}`, eTag } })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`w${i}`] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(conflict);
    expect((await instances[0]!.read(['item'])).item.writer).toBe(won[0]);
  });

  it('TicketStore updates from two instances at once (retrying on conflict) lose no update', async () => {
    const prefix = freshPrefix();
    const [a, b] = [new TicketStore(redis(prefix)), new TicketStore(redis(prefix))];
    const ticket = await a.create({
      status: 'waiting',
      reason: 'requested',
      channel: 'directline',
      conversation: { conversation: { id: 'c1', isGroup: false, conversationType: 'personal', name: '' } },
      userName: '利用者',
      facts: emptyFacts(),
      summary: '電子証明書のインストール',
      transcript: [],
      createdAt: new Date(0).toISOString(),
      helpdesk: {},
    });
    expect((await b.list()).map((t) => t.id)).toEqual([ticket.id]);
    const line = (i: number) => ({ from: 'agent' as const, text: String(i), at: new Date(0).toISOString() });
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).update(ticket.id, (t) => ({ ...t, transcript: [...t.transcript, line(i)] }))));
    const texts = (await a.get(ticket.id))!.transcript.map((l) => Number(l.text));
    expect(texts.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('tickets created on two instances at once all land in the shared index', async () => {
    const prefix = freshPrefix();
    const stores = [new TicketStore(redis(prefix)), new TicketStore(redis(prefix))];
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        stores[i % 2]!.create({
          status: 'waiting',
          reason: 'requested',
          channel: 'directline',
          conversation: { conversation: { id: `c${i}`, isGroup: false, conversationType: 'personal', name: '' } },
          userName: '利用者',
          facts: emptyFacts(),
          summary: '',
          transcript: [],
          createdAt: new Date(0).toISOString(),
          helpdesk: {},
        }),
      ),
    );
    expect((await stores[0]!.list()).map((t) => t.id).sort()).toEqual(created.map((t) => t.id).sort());
  });

  it('a write of several items is all or nothing: one stale eTag writes none of them', async () => {
    const storage = redis();
    await storage.write({ a: { n: 1 }, b: { n: 1 } });
    const stale = (await storage.read(['b'])).b.eTag;
    await storage.write({ b: { n: 2 } });
    await expect(storage.write({ a: { n: 9 }, b: { n: 9, eTag: stale } })).rejects.toThrow(/"b" due to eTag conflict/);
    const items = await storage.read(['a', 'b']);
    expect([items.a.n, items.b.n]).toEqual([1, 2]);
  });

  it('shared locks: one holder at a time; only its token extends or releases it; it expires after its ttl', async () => {
    const prefix = freshPrefix();
    const [a, b] = [redis(prefix), redis(prefix)];
    expect(await a.tryLock('turn/x', 'ta', 300)).toBe(true);
    expect(await b.tryLock('turn/x', 'tb', 300)).toBe(false);
    expect(await b.extendLock('turn/x', 'tb', 300)).toBe(false);
    await b.unlock('turn/x', 'tb');
    expect(await b.tryLock('turn/x', 'tb', 300)).toBe(false);
    expect(await a.extendLock('turn/x', 'ta', 5000)).toBe(true);
    expect(await admin.pTTL(`${prefix}lock:turn/x`)).toBeGreaterThan(1000);
    await a.unlock('turn/x', 'ta');
    expect(await b.tryLock('turn/x', 'tb', 100)).toBe(true);
    await sleep(200);
    expect(await a.tryLock('turn/x', 'ta', 100)).toBe(true);
    expect(await a.extendLock('turn/x', 'tb', 100)).toBe(false);
  });

  it('SharedTurnQueue on two instances: turns of one conversation never overlap, different conversations run together', async () => {
    const prefix = freshPrefix();
    const queues = [new SharedTurnQueue(redis(prefix)), new SharedTurnQueue(redis(prefix))];
    expect((await overlapping(queues, () => 'directline/c1', 10)).most).toBe(1);
    expect((await overlapping(queues, (i) => `directline/c${i}`, 6)).most).toBe(6);
    expect(await admin.keys(`${prefix}lock:*`)).toEqual([]);
  });

  it('reconnects after its connection is dropped (CLIENT KILL), and keeps the data', async () => {
    const name = `redis-test-${randomBytes(4).toString('hex')}`;
    const storage = redis(freshPrefix(), { clientName: name });
    await storage.write({ a: { n: 1 } });
    const killed = await admin.sendCommand<number>(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes', 'NAME', name]).catch(async () => {
      // Redis < 8 has no NAME filter: kill it by id.
      const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
      const id = /id=(\d+) .*?name=(\S+)/g;
      let killedCount = 0;
      for (const m of list.matchAll(id)) if (m[2] === name) killedCount += Number(await admin.sendCommand(['CLIENT', 'KILL', 'ID', m[1]!]));
      return killedCount;
    });
    expect(killed).toBe(1);
    expect((await storage.read(['a'])).a.n).toBe(1);
    await storage.write({ a: { n: 2 } });
    expect((await storage.read(['a'])).a.n).toBe(2);
  });

  it('publish reaches every subscriber with the same prefix, the publisher included; another prefix hears nothing; close ends both connections', async () => {
    const prefix = freshPrefix();
    const [a, b, elsewhere] = [redis(prefix), redis(prefix), redis()];
    const heard: Record<string, string[]> = { a: [], b: [], elsewhere: [] };
    await a.subscribe('news', (m) => heard.a!.push(m));
    await b.subscribe('news', (m) => heard.b!.push(m));
    await elsewhere.subscribe('news', (m) => heard.elsewhere!.push(m));
    await a.publish('news', 'from a');
    await b.publish('news', 'from b');
    await b.publish('other', 'not news');
    for (let i = 0; i < 50 && (heard.a!.length < 2 || heard.b!.length < 2); i++) await sleep(20);
    expect(heard).toEqual({ a: ['from a', 'from b'], b: ['from a', 'from b'], elsewhere: [] });
    // Both of a's connections (commands and subscriptions) close with it.
    const subscribers = async () => Number(((await admin.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}channel:news`])) as unknown as unknown[])[1]);
    expect(await subscribers()).toBe(2);
    await a.close();
    expect(await subscribers()).toBe(1);
  });

  it('a Redis that cannot be reached fails open() at once with a StorageOpenError naming it, without the password', async () => {
    const port = await freePort();
    const storage = new RedisStorage(`redis://user:s3cret-pass@127.0.0.1:${port}/2`);
    const started = Date.now();
    const err = await storage.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageOpenError);
    expect((err as Error).message).toContain(`redis://127.0.0.1:${port}/2`);
    expect((err as Error).message).not.toContain('s3cret-pass');
    expect(Date.now() - started).toBeLessThan(3000);
    await storage.close();
  });

  it('close waits for the writes already sent; later use fails; closing twice is fine', async () => {
    const prefix = freshPrefix();
    const storage = new RedisStorage(url, { prefix });
    await storage.open();
    const writes = Array.from({ length: 50 }, (_, i) => storage.write({ [`k${i}`]: { i } }));
    await storage.close();
    await Promise.all(writes);
    await expect(storage.read(['k0'])).rejects.toThrow(/closed/);
    await expect(storage.write({ k0: { i: 0 } })).rejects.toThrow(/closed/);
    await storage.close();
    expect(Object.keys(await redis(prefix).read(Array.from({ length: 50 }, (_, i) => `k${i}`)))).toHaveLength(50);
  });

  it.skipIf(!REDIS_SERVER)('Redis down: commands fail within the command timeout; back up: the same storage works again', async () => {
    const port = await freePort();
    const children: ChildProcess[] = [];
    const startRedis = async () => {
      const child = spawn(REDIS_SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      children.push(child);
      const probe = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
      probe.on('error', () => undefined);
      for (let i = 0; ; i++) {
        if (await probe.connect().then(() => true, () => false)) break;
        if (i > 100) throw new Error('redis-server did not start');
        await sleep(50);
      }
      await probe.close();
      return child;
    };
    try {
      let server = await startRedis();
      const errors: Error[] = [];
      const storage = new RedisStorage(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 500, onError: (err) => errors.push(err) });
      opened.push(storage);
      await storage.write({ a: { n: 1 } });
      server.kill('SIGKILL');
      await new Promise((done) => server.once('exit', done));
      const started = Date.now();
      await expect(storage.read(['a'])).rejects.toThrow(/did not answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(errors.length).toBeGreaterThan(0);

      server = await startRedis();
      // The client reconnects by itself (pauses of at most 2 s); the data did not persist (no saving).
      for (let i = 0; ; i++) {
        const ok = await storage.write({ a: { n: 2 } }).then(() => true, () => false);
        if (ok) break;
        if (i > 20) throw new Error('did not reconnect');
        await sleep(200);
      }
      expect((await storage.read(['a'])).a.n).toBe(2);
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

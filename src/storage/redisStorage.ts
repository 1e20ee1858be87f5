import { createHash, randomBytes } from 'node:crypto';
import { createClient, ErrorReply, TimeoutError, type RedisClientType } from '@redis/client';
import type { Storage, StoreItems } from 'botbuilder';
import type { SharedLocks } from './sharedLocks';
import { StorageOpenError } from './levelStorage';
import type { AllOrNothingWrites } from './checkedState';
import { parseStored, storedText } from './storedJson';

export interface RedisStorageOptions {
  /** Put before every key, so that several bots (or tests) can share one Redis. Default "helpdesk:". */
  prefix?: string;
  /** A command not answered within this time fails (Redis unreachable); the default is 5 s. */
  commandTimeoutMs?: number;
  /** The connection's name in CLIENT LIST; default "careplan-helpdesk-bot". */
  clientName?: string;
  /** Connection errors after the start (Redis restarting, a network cut): the client reconnects by itself. */
  onError?: (err: Error) => void;
}

type Client = RedisClientType;

/** Messages between the instances that share one Redis: what RedisStorage's publish/subscribe offers. */
export interface PubSub {
  /** Sends a message to every subscriber of the channel, on any instance (the sender's included). */
  publish(channel: string, message: string): Promise<void>;
  /** Calls `listener` with every message published on the channel from now on. */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

/** A Lua script, run by its digest (EVALSHA) and loaded on first use (EVAL). */
interface Script {
  text: string;
  sha: string;
}
const script = (text: string): Script => ({ text, sha: createHash('sha1').update(text).digest('hex') });

/**
 * Compare-and-set of several items at once, atomically (a script runs alone). KEYS: the items; ARGV,
 * per item: the eTag it must still have ('' = any) and its new value. Nothing is written unless every
 * check passes; returns 0, or the position of the first item whose stored eTag differs.
 */
const WRITE = script(`
for i = 1, #KEYS do
  local expected = ARGV[2 * i - 1]
  if expected ~= '' then
    local stored = redis.call('GET', KEYS[i])
    if stored then
      local ok, item = pcall(cjson.decode, stored)
      if not ok or type(item) ~= 'table' or item.eTag ~= expected then return i end
    end
  end
end
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i]) end
return 0
`);
/** Deletes the lock KEYS[1] only if token ARGV[1] holds it. */
const UNLOCK = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`);
/** Extends the lock KEYS[1] to ARGV[2] ms only if token ARGV[1] holds it. */
const EXTEND = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`);

/**
 * botbuilder Storage on Redis, shared by every instance of the bot: conversations, tickets and
 * Direct Line conversations live in one place, so any instance can serve any request.
 *
 * Values are JSON with the eTag last (storedJson.ts), under "<prefix>item:<key>". eTags behave as in LevelStorage and botbuilder's
 * MemoryStorage: every write gives the item a new eTag; a write with eTag '*' or none (or to a
 * missing item) overwrites; a write with any other eTag that is not the stored one fails with
 * "eTag conflict" and changes nothing. The check and the write are one Lua script, atomic across
 * all instances, and a write of several items is all or nothing. Needs a single Redis (a primary,
 * with replicas or Sentinel), not Redis Cluster: one write's keys may live in different slots.
 *
 * Also the shared locks of SharedTurnQueue: "<prefix>lock:<name>", SET NX PX with a random token,
 * released and extended by compare-and-delete / compare-and-expire scripts; and publish/subscribe on
 * "<prefix>channel:<name>", over a second connection opened by the first subscribe.
 *
 * The connection opens on open() (or the first use), and fails then if Redis cannot be reached.
 * Later disconnections are repaired by reconnecting; commands issued meanwhile wait, for at most
 * `commandTimeoutMs`.
 */
export class RedisStorage implements Storage, AllOrNothingWrites, SharedLocks, PubSub {
  readonly writesAllOrNothing = true;
  private client?: Promise<Client>;
  private subscriber?: Promise<Client>;
  private closed = false;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly eTagPrefix = `${randomBytes(6).toString('base64url')}.`;
  private eTagCounter = 0;

  constructor(
    private readonly url: string,
    private readonly options: RedisStorageOptions = {},
  ) {
    this.prefix = options.prefix ?? 'helpdesk:';
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
  }

  /** Connects; a Redis that cannot be reached fails here with a StorageOpenError. */
  async open(): Promise<void> {
    await this.connection();
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    if (keys.length === 0) return {};
    const values = await this.command((client) => client.mGet(keys.map((key) => this.itemKey(key))));
    const items: StoreItems = {};
    keys.forEach((key, i) => {
      const value = values[i];
      if (typeof value === 'string') items[key] = parseStored(value);
    });
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    const args: string[] = [];
    for (const key of keys) {
      const eTag = (changes[key] as { eTag?: unknown } | undefined)?.eTag;
      const checked = eTag === undefined || eTag === null || eTag === '' || eTag === '*' ? '' : String(eTag);
      args.push(checked, storedText(changes[key], this.nextETag()));
    }
    const conflict = Number(await this.run(WRITE, keys.map((key) => this.itemKey(key)), args));
    if (conflict > 0) throw new Error(`Storage: error writing "${keys[conflict - 1]}" due to eTag conflict.`);
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    if (keys.length === 0) return;
    await this.command((client) => client.del(keys.map((key) => this.itemKey(key))));
  }

  async tryLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    const set = await this.command((client) => client.set(this.lockKey(name), token, { condition: 'NX', expiration: { type: 'PX', value: Math.ceil(ttlMs) } }));
    return set !== null;
  }

  async extendLock(name: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.run(EXTEND, [this.lockKey(name)], [token, String(Math.ceil(ttlMs))])) === 1;
  }

  async unlock(name: string, token: string): Promise<void> {
    await this.run(UNLOCK, [this.lockKey(name)], [token]);
  }

  /** Sends a message to every subscriber of the channel, on any instance (this one's included). */
  async publish(channel: string, message: string): Promise<void> {
    await this.command((client) => client.publish(this.channelKey(channel), message));
  }

  /**
   * Calls `listener` with every message published on the channel from now on. Subscribing takes a
   * connection of its own (opened here), which resubscribes by itself after a reconnect; messages
   * published while it is away are lost, as Redis pub/sub does.
   */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    if (!this.subscriber) {
      const opening = this.connection().then(async (client) => {
        const subscriber = client.duplicate();
        subscriber.on('error', (err: Error) => this.options.onError?.(err));
        await subscriber.connect();
        return subscriber;
      });
      this.subscriber = opening;
      opening.catch(() => {
        if (this.subscriber === opening) this.subscriber = undefined;
      });
    }
    const subscriber = await this.subscriber;
    await subscriber.subscribe(this.channelKey(channel), (message: string) => listener(message));
  }

  /** Waits for the commands already sent, then disconnects; later calls fail. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const clients = await Promise.all([this.client, this.subscriber].map((c) => c?.catch(() => undefined)));
    await Promise.all(
      clients.map(async (client) => {
        if (!client?.isOpen) return;
        // A Redis that went away answers nothing: give up waiting after the command timeout.
        const timer = setTimeout(() => client.destroy(), this.timeoutMs);
        await client.close().catch(() => undefined);
        clearTimeout(timer);
      }),
    );
  }

  private itemKey(key: string): string {
    return `${this.prefix}item:${key}`;
  }

  private lockKey(name: string): string {
    return `${this.prefix}lock:${name}`;
  }

  private channelKey(name: string): string {
    return `${this.prefix}channel:${name}`;
  }

  private nextETag(): string {
    return this.eTagPrefix + (++this.eTagCounter).toString(36);
  }

  /** Runs a script by digest, sending its text when Redis does not have it (first use, a restart). */
  private run(s: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.command(async (client) => {
      try {
        return await client.evalSha(s.sha, { keys, arguments: args });
      } catch (err) {
        if (!(err instanceof ErrorReply && err.message.startsWith('NOSCRIPT'))) throw err;
        return client.eval(s.text, { keys, arguments: args });
      }
    });
  }

  /**
   * One command on the connection. Every command has the client's timeout: one not yet sent when it
   * expires (Redis unreachable, reconnecting) is dropped, never sent later; one already sent may
   * still have been applied, as after any network failure (a write's eTag then tells).
   */
  private async command<T>(call: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connection();
    try {
      return await call(client);
    } catch (err) {
      if (err instanceof TimeoutError) throw new Error(`Redis at ${this.where()} did not answer within ${this.timeoutMs} ms`, { cause: err });
      throw err;
    }
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`storage ${this.where()} is closed`));
    if (!this.client) {
      const opening = this.connect();
      this.client = opening;
      // A failed connection is tried again on the next use.
      opening.catch(() => {
        if (this.client === opening) this.client = undefined;
      });
    }
    return this.client;
  }

  private async connect(): Promise<Client> {
    let ready = false;
    const client = createClient({
      url: this.url,
      name: this.options.clientName ?? 'careplan-helpdesk-bot',
      commandOptions: { timeout: this.timeoutMs },
      socket: {
        connectTimeout: this.timeoutMs,
        // The first connection fails at once (a wrong REDIS_URL stops the start); a lost one is
        // reconnected with growing, jittered pauses of at most 2 s.
        reconnectStrategy: (retries, cause) => (ready ? Math.min(50 * 2 ** retries, 2000) * (0.5 + Math.random() / 2) : cause),
      },
    });
    client.on('error', (err: Error) => {
      if (ready) this.options.onError?.(err);
    });
    try {
      await client.connect();
      ready = true;
      return client;
    } catch (err) {
      if (client.isOpen) client.destroy();
      throw new StorageOpenError(`cannot connect to Redis at ${this.where()}: ${(err as Error).message || String(err)}`, { cause: err });
    }
  }

  /** The URL without credentials, for messages. */
  private where(): string {
    try {
      const { protocol, host, pathname } = new URL(this.url);
      return `${protocol}//${host}${pathname === '/' ? '' : pathname}`;
    } catch {
      return 'REDIS_URL';
    }
  }
}

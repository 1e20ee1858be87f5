import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { Storage, StoreItems } from 'botbuilder';
import { ClassicLevel } from 'classic-level';
import type { AllOrNothingWrites } from './checkedState';
import { parseStored, storedETag, storedText } from './storedJson';

export interface LevelStorageOptions {
  /**
   * fsync every write. Off by default: a write is in the operating system once it resolves, so it
   * survives the process being killed (kill -9, a crash, OOM); `true` also survives a power loss, at
   * the cost of a disk flush per write.
   */
  sync?: boolean;
}

type Operation = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** The state store could not be opened (a bad path, or another process holds it). */
export class StorageOpenError extends Error {}

/**
 * botbuilder Storage on LevelDB (classic-level, prebuilt binaries shipped in the npm package): a
 * durable store in one directory that needs no server. Values are JSON; eTags behave as in
 * botbuilder's MemoryStorage: every write gives the item a new eTag, a write with eTag '*' or none
 * (or to a missing item) overwrites, and a write with any other eTag that is not the stored one
 * fails with "eTag conflict". Unlike MemoryStorage, a write of several items is all or nothing.
 *
 * As in MemoryStorage, a write is checked and accepted at once, when it is called (nothing else runs
 * in between), so of two writers holding the same eTag exactly one wins, and reads see it from then
 * on; its promise resolves once it is on disk. Accepted writes reach the disk in order, one batch at
 * a time: every write accepted while a batch is being written (or in the same tick) goes into the
 * next one, so a busy server writes far fewer batches than it accepts writes (each batch is a round
 * trip to LevelDB's thread). LevelDB locks its directory, so only one process uses it and this view
 * is the truth. Items are kept as JSON with the eTag last (storedJson.ts).
 */
export class LevelStorage implements Storage, AllOrNothingWrites {
  readonly writesAllOrNothing = true;
  private db?: Promise<ClassicLevel<string, string>>;
  /** Accepted writes not yet on disk, by key: the newest serialized item, or undefined when deleted. */
  private readonly pending = new Map<string, { value: string | undefined }>();
  /** The disk batches, one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The batch that accepted writes join until it starts being written. */
  private next?: { ops: Operation[]; written: Promise<void> };
  private closed = false;
  /** eTags are unique across restarts: a per-instance random prefix and a counter. */
  private readonly eTagPrefix = `${randomBytes(6).toString('base64url')}.`;
  private eTagCounter = 0;

  constructor(
    readonly location: string,
    private readonly options: LevelStorageOptions = {},
  ) {}

  /** Opens the database (creating its directory); reads and writes open it on first use anyway. */
  async open(): Promise<void> {
    await this.database();
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const db = await this.database();
    const items: StoreItems = {};
    for (const key of keys) {
      const value = this.current(db, key);
      if (value !== undefined) items[key] = parseStored(value);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const db = await this.database();
    // From here to commit() nothing awaits: the check and the acceptance are one step.
    const keys = Object.keys(changes);
    for (const key of keys) {
      const eTag = (changes[key] as { eTag?: unknown } | undefined)?.eTag;
      if (eTag === undefined || eTag === null || eTag === '' || eTag === '*') continue;
      const stored = this.current(db, key);
      if (stored !== undefined && storedETag(stored) !== eTag) {
        throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
      }
    }
    await this.commit(db, keys.map((key) => ({ type: 'put' as const, key, value: storedText(changes[key], this.nextETag()) })));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    const db = await this.database();
    await this.commit(db, keys.map((key) => ({ type: 'del' as const, key })));
  }

  /** Waits for the accepted writes to reach the disk, then closes the database; later calls fail. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Calls made before close() that wait for the opening are accepted first (their continuations
    // were queued on the same promise earlier), so the queue awaited below includes them.
    const db = await this.db?.catch(() => undefined);
    await this.queue;
    await db?.close();
  }

  /** The newest accepted value of a key: not yet on disk, else on disk. */
  private current(db: ClassicLevel<string, string>, key: string): string | undefined {
    const pending = this.pending.get(key);
    // Synchronous reads: state items are small and LevelDB serves them from its caches in a few µs,
    // where an asynchronous read costs a thread-pool round trip (measured: ~2 µs against ~20 µs).
    return pending ? pending.value : db.getSync(key);
  }

  /** Accepts the operations now (reads see them) and resolves once they are on disk. */
  private commit(db: ClassicLevel<string, string>, ops: Operation[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    const marks = ops.map((op) => {
      const mark = { value: op.type === 'put' ? op.value : undefined };
      this.pending.set(op.key, mark);
      return [op.key, mark] as const;
    });
    let batch = this.next;
    if (!batch) {
      const opened: { ops: Operation[]; written?: Promise<void> } = { ops: [] };
      const run = () => {
        // From here on, writes go into the batch after this one.
        if (this.next === opened) this.next = undefined;
        return db.batch(opened.ops, { sync: this.options.sync ?? false });
      };
      opened.written = this.queue.then(run, run);
      this.queue = opened.written.catch(() => undefined);
      batch = this.next = opened as { ops: Operation[]; written: Promise<void> };
    }
    // One write's operations all go into one batch: it is on disk whole or not at all.
    batch.ops.push(...ops);
    // Once on disk (or failed: then the disk's value is the truth again), reads go to the disk.
    return batch.written.finally(() => {
      for (const [key, mark] of marks) if (this.pending.get(key) === mark) this.pending.delete(key);
    });
  }

  private nextETag(): string {
    return this.eTagPrefix + (++this.eTagCounter).toString(36);
  }

  private database(): Promise<ClassicLevel<string, string>> {
    if (this.closed) return Promise.reject(new Error(`storage ${this.location} is closed`));
    if (!this.db) {
      const opening = this.openDatabase();
      this.db = opening;
      // A failed open (e.g. the directory is locked) is tried again on the next use.
      opening.catch(() => {
        if (this.db === opening) this.db = undefined;
      });
    }
    return this.db;
  }

  private async openDatabase(): Promise<ClassicLevel<string, string>> {
    try {
      mkdirSync(this.location, { recursive: true });
      const db = new ClassicLevel<string, string>(this.location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
      await db.open();
      return db;
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      const hint = /lock/i.test(cause) ? ' (is another process using the same DATA_DIR?)' : '';
      throw new StorageOpenError(`cannot open the state store in ${this.location}: ${cause}${hint}`, { cause: err });
    }
  }
}

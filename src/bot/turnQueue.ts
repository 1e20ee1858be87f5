import { randomBytes } from 'node:crypto';
import type { SharedLocks } from '../storage/sharedLocks';

export type { SharedLocks };

/**
 * Runs work for one key at a time, in arrival order; different keys run in parallel. Two clicks in
 * the same conversation then see each other's state instead of both answering the same question.
 */
export class KeyedQueue implements TurnQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** Runs work for one key at a time: KeyedQueue in one process, SharedTurnQueue across processes. */
export interface TurnQueue {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export interface SharedTurnQueueOptions {
  /** How long a lock outlives a crashed holder; a running turn renews it every third of this. */
  ttlMs?: number;
  /** How long a turn waits for another instance's turn of the same conversation before it fails. */
  waitMs?: number;
}

/** A turn waited too long for another instance's turn of its conversation. */
export class TurnLockTimeoutError extends Error {}

/**
 * KeyedQueue across processes: turns of one key run one at a time in this process (in arrival
 * order, as KeyedQueue), and each takes the key's shared lock, so they do not interleave with the
 * turns of other instances either. A lock held elsewhere is polled with jittered, growing pauses,
 * for at most `waitMs`, then the turn fails with TurnLockTimeoutError. The lock expires `ttlMs` after
 * its holder stops renewing it (a crash), so a dead instance blocks a conversation that long at most.
 *
 * The lock is a courtesy, not the guarantee: a holder that loses it (a pause longer than `ttlMs`,
 * Redis failing over) may overlap with the next. What keeps data safe is the eTag-checked save
 * (see checkedState.ts): the later of two overlapping saves is refused, not applied.
 */
export class SharedTurnQueue implements TurnQueue {
  private readonly local = new KeyedQueue();
  private readonly ttlMs: number;
  private readonly waitMs: number;

  constructor(
    private readonly locks: SharedLocks,
    options: SharedTurnQueueOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.waitMs = options.waitMs ?? 15_000;
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.locked(key, work));
  }

  private async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const name = `turn/${key}`;
    const token = randomBytes(12).toString('base64url');
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; !(await this.locks.tryLock(name, token, this.ttlMs)); attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TurnLockTimeoutError(`waited ${this.waitMs} ms for another instance's turn of ${key}`);
      const pause = Math.min(5 * 2 ** attempt, 200) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
    const renew = setInterval(() => void this.locks.extendLock(name, token, this.ttlMs).catch(() => false), this.ttlMs / 3);
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      // Should this fail (Redis unreachable), the lock expires after ttlMs.
      await this.locks.unlock(name, token).catch(() => undefined);
    }
  }
}

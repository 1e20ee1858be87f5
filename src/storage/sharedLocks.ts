/** Locks shared by every instance (RedisStorage: SET NX PX with a token, compare-and-delete). */
export interface SharedLocks {
  /** Takes the lock when nobody holds it, for `ttlMs`; true when taken. */
  tryLock(name: string, token: string, ttlMs: number): Promise<boolean>;
  /** Holds the lock `ttlMs` longer if `token` still holds it; false when it was lost (expired). */
  extendLock(name: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock if `token` still holds it (never someone else's). */
  unlock(name: string, token: string): Promise<void>;
}

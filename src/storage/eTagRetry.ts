/**
 * An eTag no item ever has. As botbuilder's MemoryStorage does, our stores write to a missing item
 * whatever its eTag, so writing with this one creates an item where none exists and conflicts
 * where one was written meanwhile: "create only if absent".
 */
export const CREATE_ONLY_ETAG = '#absent';

/** A write refused because someone else wrote first: botbuilder storages say "eTag" or answer 412. */
export function isETagConflict(err: unknown): boolean {
  const { message, statusCode } = (err ?? {}) as { message?: unknown; statusCode?: unknown };
  return statusCode === 412 || (typeof message === 'string' && /etag/i.test(message));
}

/**
 * Runs a read-modify-write again while another writer got in first, after jittered, growing pauses
 * (writers that collided do not collide again in lockstep). Any other error, or the last conflict, is thrown.
 */
export async function retryOnETagConflict<T>(work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isETagConflict(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

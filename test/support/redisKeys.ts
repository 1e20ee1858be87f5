import { createClient } from '@redis/client';

/** The keys of a shared test Redis matching `pattern` (SCAN, so a busy Redis is not blocked). */
export async function redisKeys(url: string, pattern: string): Promise<string[]> {
  const admin = createClient({ url });
  await admin.connect();
  try {
    const keys: string[] = [];
    for await (const batch of admin.scanIterator({ MATCH: pattern, COUNT: 500 })) keys.push(...batch);
    return keys;
  } finally {
    await admin.close();
  }
}

/** Removes a test's keys (all under its own prefix) from the shared test Redis. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const keys = await redisKeys(url, `${prefix}*`);
  if (keys.length === 0) return;
  const admin = createClient({ url });
  await admin.connect();
  await admin.del(keys);
  await admin.close();
}

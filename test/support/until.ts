/** Polls until `get` returns something truthy; fails after `timeoutMs` saying `what` (computed at the timeout). */
export async function until<T>(what: string | (() => string), get: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { expect, it } from 'vitest';
import type { Storage } from 'botbuilder';
import { isETagConflict } from '../../src/storage/eTagRetry';

const conflict = /eTag conflict/;

/**
 * The eTag rules of botbuilder's MemoryStorage, for a storage `make` returns (a fresh, empty one each
 * call): call inside a describe. MemoryStorage, LevelStorage and RedisStorage must not differ.
 */
export function eTagSemantics(make: () => Storage): void {
  it('read returns what was written, with an eTag; missing keys are absent', async () => {
    const storage = make();
    await storage.write({ a: { n: 1, nested: { list: [1, 'に'] } } });
    const items = await storage.read(['a', 'missing']);
    expect(Object.keys(items)).toEqual(['a']);
    expect(items.a).toMatchObject({ n: 1, nested: { list: [1, 'に'] } });
    expect(typeof items.a.eTag).toBe('string');
    expect(items.a.eTag).not.toBe('');
  });

  it('each write gives a new eTag', async () => {
    const storage = make();
    await storage.write({ a: { n: 1 } });
    const first = (await storage.read(['a'])).a.eTag;
    await storage.write({ a: { n: 2, eTag: first } });
    const second = (await storage.read(['a'])).a.eTag;
    await storage.write({ a: { n: 3, eTag: '*' } });
    const third = (await storage.read(['a'])).a.eTag;
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it("eTag '*' or no eTag overwrites whatever is stored", async () => {
    const storage = make();
    await storage.write({ a: { n: 1 } });
    await storage.write({ a: { n: 2, eTag: '*' } });
    expect((await storage.read(['a'])).a.n).toBe(2);
    await storage.write({ a: { n: 3 } });
    expect((await storage.read(['a'])).a.n).toBe(3);
  });

  it('the current eTag writes; a stale one throws "eTag conflict" and changes nothing', async () => {
    const storage = make();
    await storage.write({ a: { n: 1 } });
    const stale = (await storage.read(['a'])).a.eTag;
    await storage.write({ a: { n: 2, eTag: stale } });
    const err = await storage.write({ a: { n: 3, eTag: stale } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(conflict);
    expect(isETagConflict(err)).toBe(true);
    expect((await storage.read(['a'])).a.n).toBe(2);
  });

  it('an eTag on a missing item writes it (as MemoryStorage does)', async () => {
    const storage = make();
    await storage.write({ a: { n: 1, eTag: 'no-such-etag' } });
    expect((await storage.read(['a'])).a.n).toBe(1);
  });

  it('delete removes items; deleting a missing key is no error; a deleted item can be written again with its old eTag', async () => {
    const storage = make();
    await storage.write({ a: { n: 1 }, b: { n: 2 } });
    const old = (await storage.read(['a'])).a.eTag;
    await storage.delete(['a', 'never-written']);
    expect(await storage.read(['a', 'b'])).toEqual({ b: expect.objectContaining({ n: 2 }) });
    await storage.write({ a: { n: 3, eTag: old } });
    expect((await storage.read(['a'])).a.n).toBe(3);
  });

  it('a read issued after a write, before the write resolves, sees that write', async () => {
    const storage = make();
    await storage.write({ a: { n: 1 } });
    const writing = storage.write({ a: { n: 2 } });
    const reading = storage.read(['a']);
    await writing;
    expect((await reading).a.n).toBe(2);
  });

  it('read gives copies: changing one does not change the store', async () => {
    const storage = make();
    await storage.write({ a: { list: [1] } });
    const item = (await storage.read(['a'])).a;
    item.list.push(2);
    expect((await storage.read(['a'])).a.list).toEqual([1]);
  });

  it('keys with slashes, colons and Japanese round-trip', async () => {
    const storage = make();
    const key = 'directline/conversations/ab:c/証明書|0000001';
    await storage.write({ [key]: { text: '電子証明書' } });
    expect((await storage.read([key]))[key].text).toBe('電子証明書');
  });
}

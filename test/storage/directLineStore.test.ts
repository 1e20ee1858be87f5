import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage, type Activity } from 'botbuilder';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryDirectLineStore, StorageDirectLineStore, type Appended, type DirectLineStore } from '../../src/channels/directline/conversationStore';
import { LevelStorage } from '../../src/storage/levelStorage';

const root = mkdtempSync(join(tmpdir(), 'dl-store-test-'));
let dirs = 0;
const opened: LevelStorage[] = [];
const levelAt = (dir: string) => {
  const storage = new LevelStorage(dir);
  opened.push(storage);
  return storage;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const message = (text: string): Partial<Activity> => ({ type: 'message', text, from: { id: 'u', name: 'u' } });
const texts = (activities: Array<Partial<Activity>>) => activities.map((a) => a.text);

/** The same calls on any store, with what each returned, to compare stores call by call. */
async function script(store: DirectLineStore) {
  const out: unknown[] = [];
  // The memory store hands out its live object; id and started, as they are now, are the contract.
  const info = (c: { id: string; started: boolean } | undefined) => c && { id: c.id, started: c.started };
  out.push(info(await store.create('conv-A')));
  out.push(info(await store.get('conv-A')));
  await store.markStarted('conv-A');
  out.push(info(await store.get('conv-A')));
  out.push(await store.since('conv-A', -1));
  for (let i = 0; i < 8; i++) out.push(await store.append('conv-A', message(`m${i}`)));
  for (const watermark of [-1, 0, 1, 2, 3, 5, 6, 7, 8, 100, 1.5, Number.NaN]) out.push(await store.since('conv-A', watermark));
  // Several at once: consecutive ids; more than the bound in one call keeps the newest.
  out.push(await store.appendAll('conv-A', [message('n0'), message('n1'), message('n2')]));
  out.push(await store.since('conv-A', 7));
  out.push(await store.appendAll('conv-A', Array.from({ length: 7 }, (_, i) => message(`p${i}`))));
  out.push(await store.since('conv-A', -1));
  out.push(await store.appendAll('conv-A', []));
  out.push(await store.since('conv-missing', -1));
  out.push(await store.get('conv-missing'));
  return out;
}

describe('StorageDirectLineStore numbers and bounds activities as MemoryDirectLineStore does', () => {
  it('ids, watermarks and the per-conversation bound (5 kept of 8), call by call', async () => {
    const memory = await script(new MemoryDirectLineStore(10, 5));
    const stored = await script(new StorageDirectLineStore(new MemoryStorage(), 10, 5));
    const durable = await script(new StorageDirectLineStore(levelAt(join(root, `db-${++dirs}`)), 10, 5));
    expect(stored).toEqual(memory);
    expect(durable).toEqual(memory);
    // Spot checks of what both agree on.
    const all = new StorageDirectLineStore(new MemoryStorage(), 10, 5);
    await all.create('c');
    for (let i = 0; i < 8; i++) await all.append('c', message(`m${i}`));
    const read = await all.since('c', -1);
    expect(texts(read.activities)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect(read.activities.map((a) => a.id)).toEqual(['c|0000003', 'c|0000004', 'c|0000005', 'c|0000006', 'c|0000007']);
    expect(read.watermark).toBe(7);
    expect(read.activities.every((a) => !('eTag' in a))).toBe(true);
  });

  it('appendAll writes the activities and their head at once and announces them once', async () => {
    const storage = levelAt(join(root, `db-${++dirs}`));
    const store = new StorageDirectLineStore(storage, 10, 5);
    await store.create('c');
    const heard: string[] = [];
    store.onAppended((id) => heard.push(id));
    const writes: string[][] = [];
    const write = storage.write.bind(storage);
    storage.write = (changes) => {
      writes.push(Object.keys(changes));
      return write(changes);
    };
    expect(await store.appendAll('c', [message('a'), message('b'), message('c')])).toEqual(['c|0000000', 'c|0000001', 'c|0000002']);
    expect(writes).toEqual([['directline/transcript/c/0', 'directline/transcript/c/1', 'directline/transcript/c/2', 'directline/transcript/c']]);
    expect(heard).toEqual(['c']);
    expect(texts((await store.since('c', -1)).activities)).toEqual(['a', 'b', 'c']);
  });

  it('beyond maxConversations the oldest conversation is dropped, with its activities and what it owns', async () => {
    const storage = new MemoryStorage();
    const stateKey = (id: string) => `directline/conversations/${id}/`;
    const store = new StorageDirectLineStore(storage, 3, 5, (id) => [stateKey(id)]);
    for (const id of ['c1', 'c2', 'c3']) {
      await store.create(id);
      await store.append(id, message(id));
      await storage.write({ [stateKey(id)]: { dialogState: {} } });
    }
    await store.create('c4');
    expect(await store.get('c1')).toBeUndefined();
    expect(await store.since('c1', -1)).toEqual({ activities: [], watermark: -1 });
    expect(await storage.read(['directline/transcript/c1/0'])).toEqual({});
    expect(Object.keys(await storage.read([stateKey('c1'), stateKey('c2'), stateKey('c3')]))).toEqual([stateKey('c2'), stateKey('c3')]);
    for (const id of ['c2', 'c3']) expect(texts((await store.since(id, -1)).activities)).toEqual([id]);
    await store.create('c5');
    expect(await store.get('c2')).toBeUndefined();
    expect(await store.get('c3')).toBeDefined();
    expect(await store.get('c5')).toEqual({ id: 'c5', started: false });
  });

  it('concurrent appends to one conversation get distinct, consecutive ids in call order', async () => {
    const store = new StorageDirectLineStore(levelAt(join(root, `db-${++dirs}`)));
    await store.create('conv');
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => store.append('conv', message(`m${i}`))));
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `conv|${String(i).padStart(7, '0')}`));
    expect(texts((await store.since('conv', -1)).activities)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
  });

  it('conversations, activities and watermarks survive closing and reopening the storage', async () => {
    const dir = join(root, `db-${++dirs}`);
    const first = new LevelStorage(dir);
    const before = new StorageDirectLineStore(first);
    await before.create('conv');
    await before.markStarted('conv');
    await before.append('conv', message('電子証明書のインストール'));
    await before.append('conv', { type: 'message', text: 'お手元にありますか？', timestamp: new Date('2026-11-19T01:00:00Z') });
    const { watermark } = await before.since('conv', -1);
    await first.close();

    const after = new StorageDirectLineStore(levelAt(dir));
    expect(await after.get('conv')).toEqual({ id: 'conv', started: true });
    expect(await after.since('conv', watermark)).toEqual({ activities: [], watermark });
    const all = await after.since('conv', -1);
    expect(texts(all.activities)).toEqual(['電子証明書のインストール', 'お手元にありますか？']);
    expect(all.activities[1]!.timestamp).toBe('2026-11-19T01:00:00.000Z');
    expect(await after.append('conv', message('手元にある'))).toBe('conv|0000002');
    expect(texts((await after.since('conv', watermark)).activities)).toEqual(['手元にある']);
  });

  it('a reader is handed an activity only once it is on disk: no watermark a kill -9 could take back', async () => {
    // LevelStorage shows a write to reads before its batch reaches the disk. Were a socket or a poll
    // sent the activity then, a crash would lose it while the client kept its watermark, and the
    // next append after the restart would reuse the id, past the client's watermark and never sent.
    const store = new StorageDirectLineStore(levelAt(join(root, `db-${++dirs}`)));
    await store.create('conv');
    const early: number[] = [];
    for (let i = 0; i < 20; i++) {
      let written = false;
      const appended = store.append('conv', message(`m${i}`)).then(() => (written = true));
      for (let seen = i - 1; !written && seen < i; ) {
        const read = await store.since('conv', -1);
        seen = read.watermark;
        if (seen === i && !written) early.push(i);
        expect(read.activities).toHaveLength(seen + 1);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await appended;
      expect((await store.since('conv', i - 1)).watermark).toBe(i);
    }
    expect(early, 'appends read before their write resolved').toEqual([]);
  });

  it('ids that are not ours are no conversation and build no key', async () => {
    const storage = new MemoryStorage();
    const store = new StorageDirectLineStore(storage);
    await store.create('conv');
    await store.append('conv', message('x'));
    // "conv/0" would be the key of an activity, not of a conversation.
    for (const id of ['conv/0', '../conv', '', 'conv|0000000']) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.since(id, -1)).toEqual({ activities: [], watermark: -1 });
      await expect(store.append(id, message('y'))).rejects.toThrow(/unknown conversation/);
    }
    await expect(store.create('a/b')).rejects.toThrow();
  });
});

describe('both stores tell their listeners of each append (what the WebSocket fan-out reads on)', () => {
  const stores: Array<[string, () => DirectLineStore]> = [
    ['MemoryDirectLineStore', () => new MemoryDirectLineStore()],
    ['StorageDirectLineStore', () => new StorageDirectLineStore(new MemoryStorage())],
  ];
  it.each(stores)('%s: after the activity is readable, with its conversation; not after the listener is removed', async (_name, make) => {
    const store = make();
    await store.create('conv-A');
    await store.create('conv-B');
    const heard: Array<{ conversation: string; texts: Array<string | undefined> }> = [];
    const seen = new Map<string, number>();
    const remove = store.onAppended((conversation) => {
      // What a reader fetches on hearing it: the new activity is already there.
      const from = seen.get(conversation) ?? -1;
      void store.since(conversation, from).then(({ activities, watermark }) => {
        seen.set(conversation, watermark);
        heard.push({ conversation, texts: texts(activities) });
      });
    });
    await store.append('conv-A', message('a1'));
    await store.append('conv-B', message('b1'));
    await store.append('conv-A', message('a2'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toEqual([
      { conversation: 'conv-A', texts: ['a1'] },
      { conversation: 'conv-B', texts: ['b1'] },
      { conversation: 'conv-A', texts: ['a2'] },
    ]);
    remove();
    await store.append('conv-A', message('a3'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toHaveLength(3);
  });

  it.each([
    ['MemoryDirectLineStore', () => new MemoryDirectLineStore(10, 5)],
    ['StorageDirectLineStore', () => new StorageDirectLineStore(new MemoryStorage(), 10, 5)],
  ] as Array<[string, () => DirectLineStore]>)('%s: each append tells what it stored, exactly what since() reads after the watermark before it, also past the bound', async (_name, make) => {
    const store = make();
    await store.create('c');
    const told: Appended[] = [];
    store.onAppended((_id, appended) => told.push(appended!));
    await store.append('c', message('m0'));
    await store.appendAll('c', [message('m1'), message('m2')]);
    await store.appendAll('c', Array.from({ length: 7 }, (_, i) => message(`n${i}`)));
    expect(told.map((t) => [t.after, t.watermark, texts(t.activities)])).toEqual([
      [-1, 0, ['m0']],
      [0, 2, ['m1', 'm2']],
      [2, 9, ['n2', 'n3', 'n4', 'n5', 'n6']],
    ]);
    // What a reader at the watermark before each append would read, once the store holds only the last five.
    expect(await store.since('c', 2)).toEqual({ activities: told[2]!.activities.map((a) => JSON.parse(JSON.stringify(a))), watermark: 9 });
  });
});

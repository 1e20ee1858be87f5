import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage, type Storage } from 'botbuilder';
import { ClassicLevel } from 'classic-level';
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { emptyFacts } from '../../src/dialogs/triageFacts';
import { TicketStore } from '../../src/handoff/ticketStore';
import { LevelStorage, StorageOpenError } from '../../src/storage/levelStorage';
import { eTagSemantics } from './eTagSemantics';

const root = mkdtempSync(join(tmpdir(), 'level-storage-test-'));
let dirs = 0;
const freshDir = () => join(root, `db-${++dirs}`);
const opened: LevelStorage[] = [];
const level = (dir = freshDir()) => {
  const storage = new LevelStorage(dir);
  opened.push(storage);
  return storage;
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const conflict = /eTag conflict/;

// The same eTag rules as botbuilder's MemoryStorage, checked on both: LevelStorage must not differ.
describe.each([
  ['MemoryStorage', () => new MemoryStorage() as Storage],
  ['LevelStorage', () => level() as Storage],
])('%s: eTag semantics', (_name, make) => eTagSemantics(make));

describe('LevelStorage', () => {
  it('two concurrent writers with the same eTag: exactly one wins', async () => {
    const storage = level();
    await storage.write({ item: { writer: 'none' } });
    const { eTag } = (await storage.read(['item'])).item;
    const writers = Array.from({ length: 10 }, (_, i) => storage.write({ item: { writer: `w${i}`, eTag } }));
    const results = await Promise.allSettled(writers);
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`w${i}`] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(conflict);
    expect((await storage.read(['item'])).item.writer).toBe(won[0]);
  });

  it('concurrent read-modify-write loops that retry on conflict (TicketStore.update) lose no update', async () => {
    const tickets = new TicketStore(level());
    const ticket = await tickets.create({
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
    // Each round of conflicts has one winner, so 5 writers fit in TicketStore's 8 attempts.
    const line = (i: number) => ({ from: 'agent' as const, text: String(i), at: new Date(0).toISOString() });
    await Promise.all(Array.from({ length: 5 }, (_, i) => tickets.update(ticket.id, (t) => ({ ...t, transcript: [...t.transcript, line(i)] }))));
    const texts = (await tickets.get(ticket.id))!.transcript.map((l) => Number(l.text));
    expect(texts.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a write of several items is all or nothing: one stale eTag writes none of them', async () => {
    const storage = level();
    await storage.write({ a: { n: 1 }, b: { n: 1 } });
    const stale = (await storage.read(['b'])).b.eTag;
    await storage.write({ b: { n: 2 } });
    await expect(storage.write({ a: { n: 9 }, b: { n: 9, eTag: stale } })).rejects.toThrow(conflict);
    const items = await storage.read(['a', 'b']);
    expect([items.a.n, items.b.n]).toEqual([1, 2]);
  });

  it('data, eTags and deletions survive close and reopen; a stale eTag still conflicts afterwards', async () => {
    const dir = freshDir();
    const before = new LevelStorage(dir);
    await before.write({ kept: { text: '手元にある' }, gone: { n: 1 }, changed: { n: 1 } });
    const stale = (await before.read(['changed'])).changed.eTag;
    await before.write({ changed: { n: 2 } });
    await before.delete(['gone']);
    const kept = (await before.read(['kept'])).kept;
    await before.close();

    const after = level(dir);
    const items = await after.read(['kept', 'gone', 'changed']);
    expect(Object.keys(items).sort()).toEqual(['changed', 'kept']);
    expect(items.kept).toEqual(kept);
    expect(items.changed.n).toBe(2);
    await expect(after.write({ changed: { n: 3, eTag: stale } })).rejects.toThrow(conflict);
    await after.write({ kept: { text: 'again', eTag: kept.eTag } });
    const rewritten = (await after.read(['kept'])).kept;
    expect(rewritten.text).toBe('again');
    expect(rewritten.eTag).not.toBe(kept.eTag);
  });

  it('close waits for the writes already accepted; later use fails', async () => {
    const dir = freshDir();
    const storage = new LevelStorage(dir);
    const writes = Array.from({ length: 50 }, (_, i) => storage.write({ [`k${i}`]: { i } }));
    await storage.close();
    await Promise.all(writes);
    await expect(storage.read(['k0'])).rejects.toThrow(/closed/);
    await expect(storage.write({ k0: { i: 0 } })).rejects.toThrow(/closed/);
    await storage.close();

    const reopened = level(dir);
    expect(Object.keys(await reopened.read(Array.from({ length: 50 }, (_, i) => `k${i}`)))).toHaveLength(50);
  });

  it('creates its directory (parents included) on open', async () => {
    const storage = level(join(freshDir(), 'nested', 'state'));
    await storage.open();
    await storage.write({ a: { n: 1 } });
    expect((await storage.read(['a'])).a.n).toBe(1);
  });

  it('a directory in use by another open store is refused with a clear error', async () => {
    const dir = freshDir();
    await level(dir).open();
    const second = new LevelStorage(dir);
    const err = await second.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageOpenError);
    expect((err as Error).message).toContain(dir);
    expect((err as Error).message).toMatch(/lock/i);
    await second.close();
  });

  it('missing arguments are refused as MemoryStorage refuses them', async () => {
    const storage = level();
    await expect(storage.read(undefined as never)).rejects.toThrow(ReferenceError);
    await expect(storage.write(undefined as never)).rejects.toThrow(ReferenceError);
  });
});

describe('LevelStorage batches', () => {
  it('writes accepted while a batch is written go to disk together in the next one, in order', async () => {
    const storage = level();
    await storage.write({ warm: { n: 0 } });
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch');
    onTestFinished(() => batch.mockRestore());
    const writes = [storage.write({ a: { n: 1 } }), storage.write({ a: { n: 2 }, b: { n: 2 } }), storage.delete(['b']), storage.write({ c: { n: 3 } })];
    await Promise.all(writes);
    expect(batch).toHaveBeenCalledTimes(1);
    const items = await storage.read(['a', 'b', 'c']);
    expect(items.a).toMatchObject({ n: 2 });
    expect(items.b).toBeUndefined();
    expect(items.c).toMatchObject({ n: 3 });
  });
});

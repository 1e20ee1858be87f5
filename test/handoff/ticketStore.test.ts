import { MemoryStorage, type Storage, type StoreItems } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { emptyFacts } from '../../src/dialogs/triageFacts';
import type { HandoffTicket, TicketStatus, TranscriptLine } from '../../src/handoff/ticket';
import { TicketNotFoundError, TicketStore } from '../../src/handoff/ticketStore';
import { isETagConflict } from '../../src/storage/eTagRetry';

/** A ticket as HandoffService.open would create it, without the id the store assigns. */
function draft(overrides: Partial<Omit<HandoffTicket, 'id'>> = {}): Omit<HandoffTicket, 'id'> {
  return {
    status: 'waiting',
    reason: 'requested',
    channel: 'directline',
    conversation: { channelId: 'directline', conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' } },
    userName: '利用者',
    facts: { ...emptyFacts(), topic: 'certificate', certificateHistory: 'no' },
    summary: '電子証明書: 介護保険証明書の発行履歴 なし — 担当者との会話を希望',
    transcript: [{ from: 'user', text: '電子証明書のインストール', at: '2026-11-19T01:00:00.000Z' }],
    createdAt: '2026-11-19T01:00:00.000Z',
    helpdesk: {},
    ...overrides,
  };
}

const line = (text: string): TranscriptLine => ({ from: 'user', text, at: '2026-11-19T01:00:00.000Z' });

/** MemoryStorage that counts the writes it refused for an eTag conflict (they are still refused). */
function countingStorage(): { storage: Storage; memory: MemoryStorage; conflicts: () => number; writes: () => number } {
  const memory = new MemoryStorage();
  let conflicts = 0;
  let writes = 0;
  const storage: Storage = {
    read: (keys) => memory.read(keys),
    delete: (keys) => memory.delete(keys),
    write: async (changes: StoreItems) => {
      try {
        await memory.write(changes);
        writes++;
      } catch (err) {
        if (isETagConflict(err)) conflicts++;
        throw err;
      }
    },
  };
  return { storage, memory, conflicts: () => conflicts, writes: () => writes };
}

describe('TicketStore on MemoryStorage', () => {
  describe('create, get, list', () => {
    it('create assigns an HD-XXXXXXXX id and keeps every field; get returns it without an eTag', async () => {
      const store = new TicketStore(new MemoryStorage());
      const created = await store.create(draft());
      expect(created.id).toMatch(/^HD-[0-9A-F]{8}$/);
      expect(created).toEqual({ ...draft(), id: created.id });
      const got = await store.get(created.id);
      expect(got).toEqual(created);
      expect(got).not.toHaveProperty('eTag');
    });

    it('ids are unique', async () => {
      const store = new TicketStore(new MemoryStorage());
      const ids = [];
      for (let i = 0; i < 30; i++) ids.push((await store.create(draft())).id);
      expect(new Set(ids).size).toBe(30);
    });

    it('get of an unknown id is undefined; list of an empty store is []', async () => {
      const store = new TicketStore(new MemoryStorage());
      expect(await store.get('HD-00000000')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await store.list('waiting')).toEqual([]);
    });

    it('list gives every ticket in creation order, or only those of one status, without eTags', async () => {
      const store = new TicketStore(new MemoryStorage());
      const statuses: TicketStatus[] = ['waiting', 'in-progress', 'resolved', 'waiting', 'resolved'];
      const created: HandoffTicket[] = [];
      for (const [i, status] of statuses.entries()) created.push(await store.create(draft({ status, userName: `user-${i}` })));

      const all = await store.list();
      expect(all.map((t) => t.id)).toEqual(created.map((t) => t.id));
      expect(all).toEqual(created);
      for (const t of all) expect(t).not.toHaveProperty('eTag');

      expect((await store.list('waiting')).map((t) => t.userName)).toEqual(['user-0', 'user-3']);
      expect((await store.list('in-progress')).map((t) => t.userName)).toEqual(['user-1']);
      expect((await store.list('resolved')).map((t) => t.userName)).toEqual(['user-2', 'user-4']);
    });

    it('a status filter follows updates', async () => {
      const store = new TicketStore(new MemoryStorage());
      const a = await store.create(draft());
      const b = await store.create(draft());
      await store.update(a.id, (t) => ({ ...t, status: 'in-progress', agent: '佐藤' }));
      expect((await store.list('waiting')).map((t) => t.id)).toEqual([b.id]);
      expect((await store.list('in-progress')).map((t) => t.id)).toEqual([a.id]);
    });

    it('two stores on the same storage see the same tickets (state lives in Storage, not the instance)', async () => {
      const storage = new MemoryStorage();
      const created = await new TicketStore(storage).create(draft());
      const other = new TicketStore(storage);
      expect(await other.get(created.id)).toEqual(created);
      expect((await other.list()).map((t) => t.id)).toEqual([created.id]);
    });

    // Hand-offs opened at the same moment on a fresh store: eTag '*' means "overwrite" in every
    // botbuilder Storage, so the index must not be created by racing appends.
    it('tickets created concurrently on an empty store are all listed', async () => {
      const store = new TicketStore(new MemoryStorage());
      const created = await Promise.all([store.create(draft()), store.create(draft()), store.create(draft())]);
      for (const t of created) expect(await store.get(t.id)).toBeDefined();
      expect((await store.list()).map((t) => t.id).sort()).toEqual(created.map((t) => t.id).sort());
    });

    it('tickets created concurrently once the index exists are all listed (the index write is eTag-checked and retried)', async () => {
      const { storage, conflicts } = countingStorage();
      const store = new TicketStore(storage);
      const first = await store.create(draft());
      const created = await Promise.all(Array.from({ length: 10 }, () => store.create(draft())));
      expect(conflicts(), 'the concurrent index writes did conflict').toBeGreaterThan(0);
      expect((await store.list()).map((t) => t.id).sort()).toEqual([first, ...created].map((t) => t.id).sort());
    });
  });

  describe('update', () => {
    it('applies the change to the current ticket, stores it and returns it', async () => {
      const store = new TicketStore(new MemoryStorage());
      const created = await store.create(draft());
      const updated = await store.update(created.id, (t) => ({ ...t, status: 'in-progress', agent: '佐藤', takenAt: '2026-11-19T01:05:00.000Z' }));
      expect(updated).toEqual({ ...created, status: 'in-progress', agent: '佐藤', takenAt: '2026-11-19T01:05:00.000Z' });
      expect(updated).not.toHaveProperty('eTag');
      expect(await store.get(created.id)).toEqual(updated);
    });

    it('the change receives the ticket as stored, without its eTag', async () => {
      const store = new TicketStore(new MemoryStorage());
      const created = await store.create(draft());
      let seen: HandoffTicket | undefined;
      await store.update(created.id, (t) => {
        seen = t;
        return t;
      });
      expect(seen).toEqual(created);
      expect(seen).not.toHaveProperty('eTag');
    });

    it('successive updates build on each other', async () => {
      const store = new TicketStore(new MemoryStorage());
      const created = await store.create(draft({ transcript: [] }));
      for (const text of ['一', '二', '三']) await store.update(created.id, (t) => ({ ...t, transcript: [...t.transcript, line(text)] }));
      expect((await store.get(created.id))!.transcript.map((l) => l.text)).toEqual(['一', '二', '三']);
    });

    it('20 concurrent updates to one ticket, each appending a transcript line, all survive: conflicts are retried, none lost', async () => {
      const { storage, conflicts } = countingStorage();
      const store = new TicketStore(storage);
      const created = await store.create(draft({ transcript: [] }));
      const texts = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
      const results = await Promise.all(texts.map((text) => store.update(created.id, (t) => ({ ...t, transcript: [...t.transcript, line(text)] }))));
      expect(conflicts(), 'the updates really raced (eTag conflicts happened and were retried)').toBeGreaterThan(0);

      const final = (await store.get(created.id))!;
      expect(final.transcript).toHaveLength(20);
      expect(final.transcript.map((l) => l.text).sort()).toEqual([...texts].sort());
      // Every update saw all the earlier ones: the returned tickets have 1..20 lines, once each.
      expect(results.map((r) => r.transcript.length).sort((a, b) => a - b)).toEqual(texts.map((_, i) => i + 1));
      // Each caller got back its own line as the last one.
      for (const [i, r] of results.entries()) expect(r.transcript.at(-1)!.text).toBe(texts[i]);
    });

    it('under a storage with latency an update may give up after its retries, but then it rejects: nothing is lost silently', async () => {
      const memory = new MemoryStorage();
      const delay = () => new Promise((resolve) => setTimeout(resolve, 2));
      const slow: Storage = {
        read: async (keys) => (await delay(), memory.read(keys)),
        write: async (changes) => (await delay(), memory.write(changes)),
        delete: (keys) => memory.delete(keys),
      };
      const store = new TicketStore(slow);
      const created = await store.create(draft({ transcript: [] }));
      const texts = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
      const settled = await Promise.allSettled(texts.map((text) => store.update(created.id, (t) => ({ ...t, transcript: [...t.transcript, line(text)] }))));
      const kept = texts.filter((_, i) => settled[i]!.status === 'fulfilled');
      for (const s of settled) if (s.status === 'rejected') expect(isETagConflict(s.reason), String(s.reason)).toBe(true);
      // Exactly the updates that resolved are in the ticket, no more and no fewer.
      expect((await store.get(created.id))!.transcript.map((l) => l.text).sort()).toEqual([...kept].sort());
    });

    it('a change that throws is not written, and the error reaches the caller unchanged (not retried)', async () => {
      const { storage, writes } = countingStorage();
      const store = new TicketStore(storage);
      const created = await store.create(draft());
      const writesBefore = writes();
      const refusal = new Error('already taken');
      let calls = 0;
      await expect(
        store.update(created.id, (t) => {
          calls++;
          t.status = 'resolved'; // mutating the given copy must not leak into storage either
          throw refusal;
        }),
      ).rejects.toBe(refusal);
      expect(calls).toBe(1);
      expect(writes()).toBe(writesBefore);
      expect(await store.get(created.id)).toEqual(created);
    });

    it('an update of an unknown ticket rejects with TicketNotFoundError and writes nothing', async () => {
      const { storage, writes } = countingStorage();
      const store = new TicketStore(storage);
      const err = await store.update('HD-FFFFFFFF', (t) => t).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TicketNotFoundError);
      expect((err as TicketNotFoundError).id).toBe('HD-FFFFFFFF');
      expect(writes()).toBe(0);
      expect(await store.get('HD-FFFFFFFF')).toBeUndefined();
    });

    it('a write that fails for another reason than an eTag conflict is not retried', async () => {
      const memory = new MemoryStorage();
      let failures = 0;
      const store = new TicketStore(memory);
      const created = await store.create(draft());
      const broken = new TicketStore({
        read: (keys) => memory.read(keys),
        delete: (keys) => memory.delete(keys),
        write: async () => {
          failures++;
          throw Object.assign(new Error('connection reset'), { statusCode: 503 });
        },
      });
      await expect(broken.update(created.id, (t) => ({ ...t, status: 'resolved' }))).rejects.toThrow('connection reset');
      expect(failures).toBe(1);
      expect((await store.get(created.id))!.status).toBe('waiting');
    });
  });

  describe('isETagConflict', () => {
    it('recognises MemoryStorage conflicts and HTTP 412, not other errors', async () => {
      const memory = new MemoryStorage();
      await memory.write({ k: { v: 1, eTag: '*' } });
      const conflict = await memory.write({ k: { v: 2, eTag: 'stale' } }).catch((e: unknown) => e);
      expect(isETagConflict(conflict)).toBe(true);
      expect(isETagConflict({ statusCode: 412 })).toBe(true);
      expect(isETagConflict(new Error('connection reset'))).toBe(false);
      expect(isETagConflict(undefined)).toBe(false);
      expect(isETagConflict(null)).toBe(false);
    });
  });

  describe('helpdesk threads', () => {
    it('linkThread then ticketOfThread gives the ticket, current', async () => {
      const store = new TicketStore(new MemoryStorage());
      const a = await store.create(draft());
      const b = await store.create(draft());
      await store.linkThread('1700000000.000100', a.id);
      await store.linkThread('19:abc@thread.tacv2;messageid=42', b.id);
      expect((await store.ticketOfThread('1700000000.000100'))?.id).toBe(a.id);
      expect((await store.ticketOfThread('19:abc@thread.tacv2;messageid=42'))?.id).toBe(b.id);
      await store.update(a.id, (t) => ({ ...t, status: 'in-progress', agent: '佐藤' }));
      expect(await store.ticketOfThread('1700000000.000100')).toMatchObject({ id: a.id, status: 'in-progress', agent: '佐藤' });
    });

    it('an unknown thread, or one linked to a ticket that does not exist, gives undefined', async () => {
      const store = new TicketStore(new MemoryStorage());
      expect(await store.ticketOfThread('nope')).toBeUndefined();
      await store.linkThread('orphan', 'HD-DEADBEEF');
      expect(await store.ticketOfThread('orphan')).toBeUndefined();
    });

    it('linking a thread again points it at the new ticket', async () => {
      const store = new TicketStore(new MemoryStorage());
      const a = await store.create(draft());
      const b = await store.create(draft());
      await store.linkThread('t', a.id);
      await store.linkThread('t', b.id);
      expect((await store.ticketOfThread('t'))?.id).toBe(b.id);
    });

    it('threads are not tickets: they never appear in list()', async () => {
      const store = new TicketStore(new MemoryStorage());
      const a = await store.create(draft());
      await store.linkThread('t', a.id);
      expect((await store.list()).map((t) => t.id)).toEqual([a.id]);
    });
  });

  describe('queue pages and retention', () => {
    it('a page holds only its status, longest-waiting first (resolved: latest first), with the total', async () => {
      const store = new TicketStore(new MemoryStorage());
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await store.create(draft({ createdAt: `2026-11-19T01:0${i}:00.000Z` }))).id);
      await store.update(ids[1]!, (t) => ({ ...t, status: 'in-progress', agent: '佐藤' }));
      await store.update(ids[2]!, (t) => ({ ...t, status: 'resolved', resolvedAt: '2026-11-19T02:00:00.000Z' }));
      await store.update(ids[3]!, (t) => ({ ...t, status: 'resolved', resolvedAt: '2026-11-19T03:00:00.000Z' }));
      const waiting = await store.page('waiting', 0, 2);
      expect(waiting.total).toBe(4);
      expect(waiting.tickets.map((t) => t.id)).toEqual([ids[0], ids[4]]);
      expect((await store.page('waiting', 2, 2)).tickets.map((t) => t.id)).toEqual([ids[5], ids[6]]);
      expect((await store.page('waiting', 4, 2)).tickets).toEqual([]);
      expect((await store.page('resolved', 0, 10)).tickets.map((t) => t.id)).toEqual([ids[3], ids[2]]);
      expect(await store.counts()).toEqual({ waiting: 4, 'in-progress': 1, resolved: 2 });
    });

    it('resolved tickets older than the retention leave with their transcript and thread links when a ticket is resolved; newer and open ones stay', async () => {
      const memory = new MemoryStorage();
      let now = new Date('2026-01-01T00:00:00.000Z');
      const store = new TicketStore(memory, { retentionDays: 90, now: () => now });
      const resolveNow = (id: string) => store.update(id, (t) => ({ ...t, status: 'resolved', resolvedAt: now.toISOString() }));
      const old = await store.create(draft({ transcript: [line('古い相談')] }));
      const open = await store.create(draft());
      const recent = await store.create(draft());
      const first = await store.create(draft());
      const second = await store.create(draft());
      await store.linkThread('slack:C1:1.0', old.id);
      await resolveNow(old.id);

      now = new Date('2026-03-31T23:59:00.000Z'); // 89 days and a bit: nothing expires yet
      await resolveNow(recent.id);
      expect((await store.list()).map((t) => t.id)).toEqual([old.id, open.id, recent.id, first.id, second.id]);

      now = new Date('2026-04-02T00:00:00.000Z'); // past 90 days for the old one only
      await resolveNow(first.id);
      expect((await store.list()).map((t) => t.id)).toEqual([open.id, recent.id, first.id, second.id]);
      expect((await store.page('resolved', 0, 10)).tickets.map((t) => t.id)).toEqual([first.id, recent.id]);
      expect(await store.get(old.id)).toBeUndefined();
      expect(await store.ticketOfThread('slack:C1:1.0')).toBeUndefined();
      const left = await memory.read([`handoff/ticket/${old.id}`, 'handoff/thread/slack:C1:1.0']);
      expect(left).toEqual({});
      expect(JSON.stringify(await memory.read(['handoff/index', 'handoff/index/resolved']))).not.toContain(old.id);
    });

    it('an index of the older format (ids only) is read once into entries with statuses', async () => {
      const memory = new MemoryStorage();
      const before = new TicketStore(memory);
      const a = await before.create(draft());
      const b = await before.create(draft());
      await before.update(b.id, (t) => ({ ...t, status: 'resolved', resolvedAt: '2026-11-19T02:00:00.000Z' }));
      await memory.write({ 'handoff/index': { ids: [a.id, b.id], eTag: '*' } });
      const after = new TicketStore(memory);
      expect((await after.page('resolved', 0, 10)).tickets.map((t) => t.id)).toEqual([b.id]);
      const c = await after.create(draft());
      expect((await after.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    });
  });

  describe('markers', () => {
    it('claim is true once per marker and ticket, also for concurrent callers', async () => {
      const store = new TicketStore(new MemoryStorage());
      const a = await store.create(draft());
      const b = await store.create(draft());
      const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(a.id, 'slack:message:1.0')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claim(a.id, 'slack:message:2.0')).toBe(true);
      expect(await store.claim(b.id, 'slack:message:1.0')).toBe(true);
      expect(await store.claim(a.id, 'slack:message:1.0')).toBe(false);
      await expect(store.claim('HD-FFFFFFFF', 'x')).rejects.toBeInstanceOf(TicketNotFoundError);
    });
  });
});

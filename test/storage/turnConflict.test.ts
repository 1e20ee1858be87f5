import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from 'botbuilder';
import { afterAll, describe, expect, it } from 'vitest';
import { createBot } from '../../src/bot/createBot';
import { replyActivity } from '../../src/replies/activity';
import { PHRASES } from '../../src/dialogs/phrases';
import type { HandoffListener } from '../../src/handoff/handoffService';
import type { HandoffTicket, TranscriptLine } from '../../src/handoff/ticket';
import { hoursPolicy } from '../../src/replies/knowledgeReplies';
import { isETagConflict } from '../../src/storage/eTagRetry';
import { LevelStorage } from '../../src/storage/levelStorage';
import { RedisStorage } from '../../src/storage/redisStorage';
import { kb, ProactiveTestAdapter, router, say } from '../support/testBot';

/**
 * Two bot instances on one store whose turns of one conversation overlap, as when the shared turn
 * lock was lost (a pause longer than its TTL): instance A reads the state, B runs a whole turn and
 * saves, then A saves. A's save must be refused (eTag) and its turn run again on B's state, with
 * its replies, ticket, helpdesk message and analytics happening once.
 */

const REDIS_TEST_URL = process.env.REDIS_TEST_URL;
const root = mkdtempSync(join(tmpdir(), 'turn-conflict-test-'));
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
  rmSync(root, { recursive: true, force: true });
});

const stores: Array<[string, (() => Storage) | undefined]> = [
  [
    'LevelStorage (the embedded default)',
    () => {
      const storage = new LevelStorage(join(root, randomBytes(4).toString('hex')));
      closers.push(() => storage.close());
      return storage;
    },
  ],
  [
    `RedisStorage${REDIS_TEST_URL ? '' : ' — skipped: no REDIS_TEST_URL and no redis-server installed'}`,
    REDIS_TEST_URL
      ? () => {
          const storage = new RedisStorage(REDIS_TEST_URL, { prefix: `test:conflict:${randomBytes(4).toString('hex')}:` });
          closers.push(() => storage.close());
          return storage;
        }
      : undefined,
  ],
];

/**
 * The store as instance A sees it: its first conversation-state save waits until `release` is
 * called (after `held` resolves); refused writes are counted.
 */
function heldFirstSave(storage: Storage) {
  let reached!: () => void;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = true;
  const view = {
    conflicts: 0,
    held,
    release,
    storage: {
      read: (keys: string[]) => storage.read(keys),
      delete: (keys: string[]) => storage.delete(keys),
      write: async (changes) => {
        if (holding && Object.keys(changes).some((key) => key.includes('/conversations/'))) {
          holding = false;
          reached();
          await released;
        }
        return storage.write(changes).catch((err: unknown) => {
          if (isETagConflict(err)) view.conflicts++;
          throw err;
        });
      },
    } satisfies Storage,
  };
  return view;
}

/** One bot instance (as one server process would wire it) on `storage`, with a notifier that counts tickets. */
function instance(storage: Storage) {
  const assembled = createBot({ kb, router, storage, hours: hoursPolicy(kb.contact, []), now: () => new Date('2026-11-19T10:00:00+09:00') });
  const adapter = new ProactiveTestAdapter(async (context) => assembled.bot.run(context), { channelId: 'test' });
  for (const m of assembled.middleware) adapter.use(m);
  assembled.handoff.setSender('test', (reference, reply) => adapter.continueConversation(reference, (context) => context.sendActivity(replyActivity(reply)).then(() => undefined)));
  const opened: HandoffTicket[] = [];
  const listener: HandoffListener = { name: 'counting', handle: async (event) => void (event.kind === 'opened' && opened.push(event.ticket)) };
  assembled.handoff.subscribe(listener);
  return { ...assembled, adapter, opened };
}

const message = (id: string, text: string) => ({ type: 'message', id, text });
const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/g;
const WAREKI = '和暦になってて使えない';

describe.each(stores)('%s: two instances whose turns of one conversation overlap', (_name, makeStore) => {
  it.skipIf(!makeStore)('the later save is refused and its turn runs again on the saved state: one reply, one ticket, one helpdesk message, both turns kept', async () => {
    const shared = makeStore!();
    const viewOfA = heldFirstSave(shared);
    const a = instance(viewOfA.storage);
    const b = instance(shared);

    // A's turn reads the (empty) state and holds its save; meanwhile B's whole turn runs and saves.
    // Real channels give each message its own id; two TestAdapters would both start at "0".
    const repliesOfA = say(a.adapter, message('a-1', '担当者'));
    await viewOfA.held;
    const repliesOfB = await say(b.adapter, message('b-1', WAREKI));
    viewOfA.release();
    const shownToA = (await repliesOfA).join('\n');

    expect(viewOfA.conflicts, 'A’s first save must have been refused').toBeGreaterThanOrEqual(1);
    expect(repliesOfB.join('\n')).toContain(`【${kb.byId.get('error-wareki')!.title}】`);
    // A's user sees one hand-off announcement, for the ticket that exists, and no error.
    const announced = [...shownToA.matchAll(OPENED)].map((m) => m[1]);
    expect(announced).toHaveLength(1);
    const tickets = await a.handoff.tickets.list();
    expect(tickets.map((t) => t.id)).toEqual(announced);
    expect([...a.opened, ...b.opened].map((t) => t.id)).toEqual(announced);
    // The turn that ran again saw B's turn: the agent's transcript has B's question before A's request.
    const userLines = (lines: TranscriptLine[]) => lines.filter((l) => l.from === 'user').map((l) => l.text);
    expect(userLines(tickets[0]!.transcript)).toEqual([WAREKI, '担当者']);

    // The saved state holds both turns, and the next message on either instance goes to the agent.
    const next = await say(b.adapter, message('b-2', 'まだですか'));
    expect(next.join('\n')).toContain('担当者に伝えました');
    expect(userLines((await a.handoff.tickets.get(announced[0]!))!.transcript)).toEqual([WAREKI, '担当者', 'まだですか']);

    // Analytics counted each turn once, though A's ran twice.
    await Promise.all([a.analytics.flush(), b.analytics.flush()]);
    const report = await a.analytics.report({ days: 1 });
    expect(report.turns.reduce((sum, t) => sum + t.count, 0)).toBe(3);
    expect(report.escalations.reduce((sum, e) => sum + e.count, 0)).toBe(1);
    expect(shownToA).not.toContain(PHRASES.offTopic);
  });
});

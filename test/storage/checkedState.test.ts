import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, TurnContext, type Storage, type StoreItems } from 'botbuilder';
import { ClassicLevel } from 'classic-level';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CheckedConversationState, CheckedUserState, saveStates } from '../../src/storage/checkedState';
import { LevelStorage } from '../../src/storage/levelStorage';
import { STORED_BODY } from '../../src/storage/storedJson';

const conflict = /eTag conflict/;
const root = mkdtempSync(join(tmpdir(), 'checked-state-test-'));
let dirs = 0;
const opened: LevelStorage[] = [];
const level = () => {
  const storage = new LevelStorage(join(root, `db-${++dirs}`));
  opened.push(storage);
  return storage;
};
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function turnContext(conversationId: string, userId = 'u'): TurnContext {
  return new TurnContext(new TestAdapter(), { type: ActivityTypes.Message, channelId: 'test', conversation: { id: conversationId } as never, from: { id: userId } as never, text: 'x' });
}

/** A storage that counts the writes reaching `inner`, and the keys of each. */
function counted(inner: Storage) {
  const writes: string[][] = [];
  const storage: Storage & { writesAllOrNothing?: true } = {
    ...((inner as { writesAllOrNothing?: true }).writesAllOrNothing ? { writesAllOrNothing: true as const } : {}),
    read: (keys) => inner.read(keys),
    write: (changes: StoreItems) => {
      writes.push(Object.keys(changes));
      return inner.write(changes);
    },
    delete: (keys) => inner.delete(keys),
  };
  return { storage, writes };
}

describe.each([
  ['MemoryStorage', () => new MemoryStorage() as Storage],
  ['LevelStorage', () => level() as Storage],
])('CheckedConversationState on %s', (_name, make) => {
  it('of two overlapping turns of one conversation, the later save fails with "eTag conflict" and the earlier one stays', async () => {
    const storage = make();
    const states = [new CheckedConversationState(storage), new CheckedConversationState(storage)];
    const first = turnContext('c1');
    await states[0]!.createProperty<number>('n').set(first, 1);
    await states[0]!.saveChanges(first);
    const contexts = [turnContext('c1'), turnContext('c1')];
    const props = states.map((s) => s.createProperty<number>('n'));
    expect(await props[0]!.get(contexts[0]!)).toBe(1);
    expect(await props[1]!.get(contexts[1]!)).toBe(1);
    await props[0]!.set(contexts[0]!, 2);
    await props[1]!.set(contexts[1]!, 3);
    await states[0]!.saveChanges(contexts[0]!);
    await expect(states[1]!.saveChanges(contexts[1]!)).rejects.toThrow(conflict);
    expect(await new ConversationState(storage).createProperty<number>('n').get(turnContext('c1'))).toBe(2);
  });

  it('a state missing when read is written only if it is still missing', async () => {
    const storage = make();
    const state = new CheckedConversationState(storage);
    const n = state.createProperty<number>('n');
    const [x, y] = [turnContext('c1'), turnContext('c1')];
    expect(await n.get(x)).toBeUndefined();
    expect(await n.get(y)).toBeUndefined();
    await n.set(x, 1);
    await n.set(y, 2);
    await state.saveChanges(x);
    await expect(state.saveChanges(y)).rejects.toThrow(conflict);
    expect(await n.get(turnContext('c1'))).toBe(1);
  });

  it("without it, botbuilder's ConversationState saves with eTag '*': the later save silently overwrites", async () => {
    const storage = make();
    const state = new ConversationState(storage);
    const n = state.createProperty<number>('n');
    const seed = turnContext('c1');
    await n.set(seed, 1);
    await state.saveChanges(seed);
    const [x, y] = [turnContext('c1'), turnContext('c1')];
    await n.get(x);
    await n.get(y);
    await n.set(x, 2);
    await n.set(y, 3);
    await state.saveChanges(x);
    await state.saveChanges(y);
    expect(await n.get(turnContext('c1'))).toBe(3);
  });

  it('a turn saves its own changes, and the next turn saves on top of them; a second save in one turn writes again', async () => {
    const storage = make();
    const state = new CheckedConversationState(storage);
    const n = state.createProperty<number>('n');
    for (let i = 1; i <= 3; i++) {
      const context = turnContext('c1');
      await n.set(context, ((await n.get(context)) ?? 0) + i);
      await state.saveChanges(context);
      await n.set(context, ((await n.get(context)) ?? 0) + 100);
      await state.saveChanges(context);
    }
    expect(await n.get(turnContext('c1'))).toBe(306);
  });

  it('unchanged state is not written: a turn that only reads, or sets what was there, writes nothing', async () => {
    const { storage, writes } = counted(make());
    const state = new CheckedConversationState(storage);
    const facts = state.createProperty<{ list: string[]; at: string }>('facts');
    const seed = turnContext('c1');
    await facts.set(seed, { list: ['あ', 'b'], at: '2026-12-07T00:00:00.000Z' });
    await state.saveChanges(seed);
    expect(writes).toHaveLength(1);
    const reader = turnContext('c1');
    await facts.get(reader);
    await state.saveChanges(reader);
    const same = turnContext('c1');
    await facts.set(same, { list: ['あ', 'b'], at: '2026-12-07T00:00:00.000Z' });
    await state.saveChanges(same);
    const untouched = turnContext('c1');
    await state.saveChanges(untouched);
    expect(writes).toHaveLength(1);
    const changed = turnContext('c1');
    (await facts.get(changed))!.list.push('c');
    await state.saveChanges(changed);
    expect(writes).toHaveLength(2);
    expect((await facts.get(turnContext('c1')))!.list).toEqual(['あ', 'b', 'c']);
  });

  it('saveStates writes user and conversation state in one write where the store writes all or nothing, else user state first; nothing when neither changed', async () => {
    const { storage, writes } = counted(make());
    const conversation = new CheckedConversationState(storage);
    const user = new CheckedUserState(storage);
    const context = turnContext('c1', 'u1');
    await conversation.createProperty<number>('n').set(context, 1);
    await user.createProperty<string>('last').set(context, 'entry-1');
    await saveStates(context, [user, conversation]);
    const saved = storage.writesAllOrNothing ? [['test/users/u1/', 'test/conversations/c1/']] : [['test/users/u1/'], ['test/conversations/c1/']];
    expect(writes).toEqual(saved);
    const next = turnContext('c1', 'u1');
    await conversation.createProperty<number>('n').get(next);
    await user.createProperty<string>('last').get(next);
    await saveStates(next, [user, conversation]);
    expect(writes).toEqual(saved);
    const read = turnContext('c1', 'u1');
    expect(await user.createProperty<string>('last').get(read)).toBe('entry-1');
    expect(await conversation.createProperty<number>('n').get(read)).toBe(1);
  });

  it('clear empties the state and it is written; delete removes it from the store', async () => {
    const storage = make();
    const state = new CheckedConversationState(storage);
    const n = state.createProperty<number>('n');
    const seed = turnContext('c1');
    await n.set(seed, 1);
    await state.saveChanges(seed);
    const clearing = turnContext('c1');
    await n.get(clearing);
    await state.clear(clearing);
    await state.saveChanges(clearing);
    expect(await n.get(turnContext('c1'))).toBeUndefined();
    expect(Object.keys(await storage.read(['test/conversations/c1/']))).toHaveLength(1);
    const deleting = turnContext('c1');
    await state.delete(deleting);
    expect(await storage.read(['test/conversations/c1/'])).toEqual({});
  });
});

describe.each([
  ['MemoryStorage, item by item', () => new MemoryStorage() as Storage],
  ['LevelStorage, all or nothing', () => level() as Storage],
])('saveStates on %s', (_name, make) => {
  it('when user state loses to another conversation of the same user, conversation state is not written either: the turn can run again on what is stored', async () => {
    const storage = make();
    const conversation = new CheckedConversationState(storage);
    const user = new CheckedUserState(storage);
    const seed = turnContext('c1', 'u1');
    await user.createProperty<number>('n').set(seed, 1);
    await conversation.createProperty<number>('n').set(seed, 1);
    await saveStates(seed, [user, conversation]);
    const [x, y] = [turnContext('c1', 'u1'), turnContext('c2', 'u1')];
    await user.createProperty<number>('n').set(x, 2);
    await conversation.createProperty<number>('n').set(x, 2);
    await user.createProperty<number>('n').set(y, 3);
    await saveStates(y, [user, conversation]);
    // x's user state lost to y's: x's conversation state is not written either.
    await expect(saveStates(x, [user, conversation])).rejects.toThrow(conflict);
    const check = turnContext('c1', 'u1');
    expect(await user.createProperty<number>('n').get(check)).toBe(3);
    expect(await conversation.createProperty<number>('n').get(check)).toBe(1);
  });
});

describe('CheckedState on LevelStorage', () => {

  it('the state is serialised once: the store writes the text the state compared, with the eTag last, and hands it back on read', async () => {
    const storage = level();
    const state = new CheckedConversationState(storage);
    const context = turnContext('c1');
    await state.createProperty<{ a: number[]; b: string }>('p').set(context, { a: [1, 2], b: 'に' });
    const stringify = vi.spyOn(JSON, 'stringify');
    await state.saveChanges(context);
    // The state's JSON once, and the new eTag's.
    expect(stringify.mock.calls.filter(([value]) => typeof value === 'object')).toHaveLength(1);
    stringify.mockRestore();
    const item = (await storage.read(['test/conversations/c1/']))['test/conversations/c1/'];
    expect((item as Record<symbol, unknown>)[STORED_BODY]).toBe('{"p":{"a":[1,2],"b":"に"}}');
    expect(Object.keys(item)).toEqual(['p', 'eTag']);
  });

  it('state written before, with the eTag elsewhere in its JSON, is read, left alone when unchanged, and rewritten when changed', async () => {
    const dir = join(root, `db-${++dirs}`);
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.put('test/conversations/c1/', '{"eTag":"old.1","n":1}');
    await db.close();
    const inner = new LevelStorage(dir);
    opened.push(inner);
    const { storage, writes } = counted(inner);
    const state = new CheckedConversationState(storage);
    const n = state.createProperty<number>('n');
    const reader = turnContext('c1');
    expect(await n.get(reader)).toBe(1);
    await state.saveChanges(reader);
    expect(writes).toHaveLength(0);
    const writer = turnContext('c1');
    await n.set(writer, 2);
    await state.saveChanges(writer);
    expect(await n.get(turnContext('c1'))).toBe(2);
  });
});

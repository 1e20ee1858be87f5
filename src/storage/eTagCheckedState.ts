import type { Storage, StoreItem, StoreItems } from 'botbuilder';

/**
 * The Storage to give botbuilder's BotState (ConversationState) so that its saves are eTag-checked.
 *
 * BotState.saveChanges writes with eTag '*': the last writer wins, and a turn that overlapped with
 * another (two instances, a lost turn lock) would silently overwrite the other's state. Through this
 * wrapper, an item read here is written back with the eTag it was read with instead, so the storage
 * refuses the later of two overlapping saves ("eTag conflict") and keeps the earlier one. BotState
 * hands the very object it read to write(), which is how the read is recognised. Items that did not
 * exist when read, and writes after the first of an item, keep BotState's behaviour.
 */
export function eTagCheckedState(storage: Storage): Storage {
  const readWith = new WeakMap<object, string>();
  return {
    read: async (keys) => {
      const items = await storage.read(keys);
      for (const item of Object.values(items) as StoreItem[]) {
        if (item && typeof item === 'object' && typeof item.eTag === 'string' && item.eTag !== '*') readWith.set(item, item.eTag);
      }
      return items;
    },
    write: (changes) => {
      const checked: StoreItems = {};
      for (const [key, item] of Object.entries(changes ?? {}) as Array<[string, StoreItem]>) {
        const eTag = item && typeof item === 'object' ? readWith.get(item) : undefined;
        if (eTag !== undefined && item.eTag === '*') {
          readWith.delete(item);
          checked[key] = { ...item, eTag };
        } else checked[key] = item;
      }
      return storage.write(changes ? checked : changes);
    },
    delete: (keys) => storage.delete(keys),
  };
}

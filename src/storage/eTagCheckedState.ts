import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { CREATE_ONLY_ETAG } from './eTagRetry';

/**
 * The Storage to give botbuilder's BotState (ConversationState) so that its saves are eTag-checked.
 *
 * BotState.saveChanges writes with eTag '*': the last writer wins, and a turn that overlapped with
 * another (two instances, a lost turn lock) would silently overwrite the other's state. Through this
 * wrapper, an item read here is written back with the eTag it was read with instead, and an item
 * that was missing when read is written only if it is still missing, so the storage refuses the
 * later of two overlapping saves ("eTag conflict") and keeps the earlier one. BotState hands the
 * very object it read to write(), which is how a read item is recognised.
 */
export function eTagCheckedState(storage: Storage): Storage {
  // The eTag each read item was read with, or CREATE_ONLY_ETAG for the empty item handed out for a
  // missing key. Keyed by the item itself, so nothing is kept once BotState lets go of it.
  const readWith = new WeakMap<object, string>();
  return {
    read: async (keys) => {
      const items = await storage.read(keys);
      for (const key of keys) {
        const item = items[key] as StoreItem | undefined;
        if (item === undefined) {
          const empty: StoreItem = {};
          readWith.set(empty, CREATE_ONLY_ETAG);
          items[key] = empty;
        } else if (item && typeof item === 'object' && typeof item.eTag === 'string' && item.eTag !== '*') readWith.set(item, item.eTag);
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

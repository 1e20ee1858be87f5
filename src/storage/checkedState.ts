import { ConversationState, UserState, type BotState, type Storage, type StoreItem, type TurnContext } from 'botbuilder';
import { CREATE_ONLY_ETAG } from './eTagRetry';
import { SERIALIZED, STORED_BODY } from './storedJson';

/**
 * botbuilder's ConversationState and UserState, saved as this bot needs them saved:
 *
 * - **eTag-checked.** BotState.saveChanges writes with eTag '*': the last writer wins, and a turn that
 *   overlapped with another (two instances, a lost turn lock) would silently overwrite the other's
 *   state. Here a state is written back with the eTag it was read with, and one that was missing when
 *   read is written only if it is still missing, so the store refuses the later of two overlapping
 *   saves ("eTag conflict") and keeps the earlier one.
 * - **Serialised once.** BotState serialises the state to a change hash (JSON.stringify with a
 *   replacer, then SHA-256) when it loads it, before it saves it and after, only to know whether it
 *   changed, and the store serialises it once more to write it. Here it is serialised once, at save:
 *   that text is compared with the text it was read as (which our stores hand over with the item, see
 *   storedJson.ts) and, when it differs, is what the store writes. Unchanged state is not written.
 * - **Together.** saveStates writes every changed state of a turn in one write: one batch on disk,
 *   all or nothing (on our stores; see AllOrNothingWrites).
 *
 * Property accessors (createProperty) work as on botbuilder's classes.
 */

/** One state as loaded in one turn. */
interface Loaded {
  key: string;
  state: StoreItem;
  /** The eTag the next save must find: as read, CREATE_ONLY_ETAG when it was missing, '*' (any) once saved in this turn. */
  eTag: string;
  /** JSON of the state without its eTag, as read or last saved; undefined when it must be written (cleared). */
  body: string | undefined;
}

/** The turn's copy of one state, kept in the turn context; what both classes below delegate to. */
class TurnCopies {
  private readonly slot = Symbol('checked state');

  constructor(
    readonly storage: Storage,
    private readonly keyOf: (context: TurnContext) => string,
  ) {}

  async load(context: TurnContext, force: boolean): Promise<StoreItem> {
    const loaded = context.turnState.get(this.slot) as Loaded | undefined;
    if (loaded && !force) return loaded.state;
    const key = this.keyOf(context);
    const item = (await this.storage.read([key]))[key] as StoreItem | undefined;
    let next: Loaded;
    if (item === undefined || item === null || typeof item !== 'object') next = { key, state: {}, eTag: CREATE_ONLY_ETAG, body: '{}' };
    else {
      const stored = (item as { [STORED_BODY]?: unknown })[STORED_BODY];
      next = { key, state: item, eTag: typeof item.eTag === 'string' && item.eTag !== '' ? item.eTag : '*', body: typeof stored === 'string' ? stored : bodyOf(item) };
    }
    context.turnState.set(this.slot, next);
    return next.state;
  }

  get(context: TurnContext): StoreItem | undefined {
    return (context.turnState.get(this.slot) as Loaded | undefined)?.state;
  }

  clear(context: TurnContext): void {
    const loaded = context.turnState.get(this.slot) as Loaded | undefined;
    context.turnState.set(this.slot, { key: loaded?.key ?? this.keyOf(context), state: {}, eTag: loaded?.eTag ?? '*', body: undefined });
  }

  async delete(context: TurnContext): Promise<void> {
    context.turnState.delete(this.slot);
    await this.storage.delete([this.keyOf(context)]);
  }

  change(context: TurnContext, force: boolean): StateChange | undefined {
    let loaded = context.turnState.get(this.slot) as Loaded | undefined;
    if (!loaded) {
      if (!force) return undefined;
      loaded = { key: this.keyOf(context), state: {}, eTag: '*', body: undefined };
      context.turnState.set(this.slot, loaded);
    }
    const { eTag: _eTag, ...members } = loaded.state;
    const body = JSON.stringify(members);
    if (!force && body === loaded.body) return undefined;
    const target = loaded;
    return {
      key: target.key,
      item: { ...members, eTag: target.eTag, [SERIALIZED]: body },
      written: () => {
        target.body = body;
        target.eTag = '*';
      },
    };
  }
}

/** A state's change in this turn, to be written; `written` is called once it is. */
interface StateChange {
  key: string;
  item: StoreItem;
  written: () => void;
}

/** What saveStates needs of a state. */
export interface CheckedState {
  readonly turnCopies: TurnCopies;
}

/**
 * botbuilder's ConversationState or UserState (they differ only in their storage key), eTag-checked,
 * serialised once, unchanged state not written (see above).
 */
function checked<Base extends new (...args: any[]) => BotState & { getStorageKey(context: TurnContext): string | undefined }>(base: Base, name: string) {
  return class extends base implements CheckedState {
    readonly turnCopies = new TurnCopies(this.storage, (context) => {
      const key = this.getStorageKey(context);
      if (!key) throw new Error(`${name}: no storage key for this activity`);
      return key;
    });

    override load(context: TurnContext, force = false): Promise<any> {
      return this.turnCopies.load(context, force);
    }

    override saveChanges(context: TurnContext, force = false): Promise<void> {
      return saveStates(context, [this], force);
    }

    override async clear(context: TurnContext): Promise<void> {
      this.turnCopies.clear(context);
    }

    override delete(context: TurnContext): Promise<void> {
      return this.turnCopies.delete(context);
    }

    override get(context: TurnContext): any {
      return this.turnCopies.get(context);
    }
  };
}

type Checked<State> = new (storage: Storage, namespace?: string) => State & CheckedState;
export const CheckedConversationState: Checked<ConversationState> = checked(ConversationState, 'ConversationState');
export type CheckedConversationState = ConversationState & CheckedState;
export const CheckedUserState: Checked<UserState> = checked(UserState, 'UserState');
export type CheckedUserState = UserState & CheckedState;

/**
 * A Storage whose write of several items is all or nothing (LevelStorage, RedisStorage). botbuilder's
 * MemoryStorage is not: it writes the other items of a write even when one is refused.
 */
export interface AllOrNothingWrites {
  readonly writesAllOrNothing: true;
}

const allOrNothing = (storage: Storage | undefined) => (storage as Partial<AllOrNothingWrites> | undefined)?.writesAllOrNothing === true;

/**
 * Saves the turn's changed states (all of them in one store): in one write where the store writes
 * all or nothing, else one after the other in the order given, stopping at the first refused. Either
 * way, a state after one that lost to a concurrent save is not written. Nothing is written when
 * nothing changed, unless `force`.
 */
export async function saveStates(context: TurnContext, states: readonly CheckedState[], force = false): Promise<void> {
  const store = states[0]?.turnCopies.storage;
  if (!store) return;
  if (states.some((state) => state.turnCopies.storage !== store)) throw new Error('saveStates: the states must share one storage');
  const changes = states.map((state) => state.turnCopies.change(context, force)).filter((change): change is StateChange => change !== undefined);
  if (changes.length === 0) return;
  if (allOrNothing(store)) {
    await store.write(Object.fromEntries(changes.map((change) => [change.key, change.item])));
    for (const change of changes) change.written();
    return;
  }
  for (const change of changes) {
    await store.write({ [change.key]: change.item });
    change.written();
  }
}

/** JSON of an item's members but its eTag: what our stores keep before the eTag. */
function bodyOf(item: StoreItem): string {
  const { eTag: _eTag, ...members } = item;
  return JSON.stringify(members);
}

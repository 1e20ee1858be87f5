import { randomBytes } from 'node:crypto';
import type { Activity, Storage, StoreItem, StoreItems } from 'botbuilder';
import { KeyedQueue } from '../../bot/turnQueue';
import type { PubSub } from '../../storage/redisStorage';
import { CREATE_ONLY_ETAG, retryOnETagConflict } from '../../storage/eTagRetry';

/** What the channel needs to know of a conversation: that it exists, and whether it has started. */
export interface DirectLineConversationInfo {
  id: string;
  started: boolean;
}

/** One Direct Line conversation: its activities in order; the watermark is the index of the last one read. */
export interface DirectLineConversation extends DirectLineConversationInfo {
  /** The most recent activities; `first` is the sequence number of activities[0]. */
  activities: Array<Partial<Activity>>;
  first: number;
}

/**
 * Where Direct Line conversations live. The in-memory store suits tests and one short-lived instance;
 * StorageDirectLineStore keeps conversations and watermarks in the bot's Storage across restarts.
 */
export interface DirectLineStore {
  create(id: string): Promise<DirectLineConversationInfo>;
  get(id: string): Promise<DirectLineConversationInfo | undefined>;
  markStarted(id: string): Promise<void>;
  /** Appends, assigning the activity id "<conversation>|<seq>"; returns that id. */
  append(id: string, activity: Partial<Activity>): Promise<string>;
  /** Appends several activities at once, in order (one write, one announcement); returns their ids. */
  appendAll(id: string, activities: Array<Partial<Activity>>): Promise<string[]>;
  /** Activities after the watermark, and the new watermark. */
  since(id: string, watermark: number): Promise<{ activities: Array<Partial<Activity>>; watermark: number }>;
  /**
   * Calls `listener` after each append made through this store (in this process), with the
   * conversation and what the append stored; readers then fetch what is new with `since`, as polling
   * clients do, or take `appended` when they have read everything before it. Another instance's
   * append (announced over Redis) comes without `appended`. Returns the function that removes the
   * listener.
   */
  onAppended(listener: AppendedListener): () => void;
}

/** What one append stored, as `since` would return it: the activities after watermark `after`, up to `watermark`. */
export interface Appended {
  after: number;
  activities: Array<Partial<Activity>>;
  watermark: number;
}

export type AppendedListener = (conversationId: string, appended?: Appended) => void;

const APPENDED_CHANNEL = 'directline:appended';

/** The listeners of one store's appends. */
class AppendedListeners {
  private readonly listeners = new Set<AppendedListener>();

  add(listener: AppendedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(conversationId: string, appended?: Appended): void {
    for (const listener of this.listeners) listener(conversationId, appended);
  }
}

const activityId = (conversationId: string, seq: number) => `${conversationId}|${String(seq).padStart(7, '0')}`;

/**
 * What an append of `activities` (the last of them numbered up to the new watermark) leaves for a
 * reader at watermark `after`: those still kept when the conversation's bound (from `first` on) drops
 * older ones, exactly as `since(after)` would read them.
 */
function appendedSince(after: number, first: number, activities: Array<Partial<Activity>>): Appended {
  return { after, activities: activities.slice(Math.max(0, first - (after + 1))), watermark: after + activities.length };
}

export class MemoryDirectLineStore implements DirectLineStore {
  private readonly conversations = new Map<string, DirectLineConversation>();
  private readonly appended = new AppendedListeners();

  /** Oldest conversations are dropped beyond this many, so a flood of new ones cannot exhaust memory. */
  constructor(
    private readonly maxConversations = 10_000,
    /** Older activities are dropped beyond this many per conversation; watermarks keep counting. */
    private readonly maxActivities = 500,
  ) {}

  async create(id: string): Promise<DirectLineConversation> {
    const conversation: DirectLineConversation = { id, started: false, activities: [], first: 0 };
    this.conversations.set(id, conversation);
    if (this.conversations.size > this.maxConversations) this.conversations.delete(this.conversations.keys().next().value!);
    return conversation;
  }

  async get(id: string) {
    return this.conversations.get(id);
  }

  async markStarted(id: string) {
    const conversation = this.conversations.get(id);
    if (conversation) conversation.started = true;
  }

  async append(id: string, activity: Partial<Activity>): Promise<string> {
    return (await this.appendAll(id, [activity]))[0]!;
  }

  async appendAll(id: string, activities: Array<Partial<Activity>>): Promise<string[]> {
    const conversation = this.conversations.get(id);
    if (!conversation) throw new Error(`unknown conversation ${id}`);
    const after = conversation.first + conversation.activities.length - 1;
    const stored = activities.map((activity) => {
      const kept = { ...activity, id: activityId(id, conversation.first + conversation.activities.length) };
      conversation.activities.push(kept);
      if (conversation.activities.length > this.maxActivities) {
        conversation.activities.shift();
        conversation.first++;
      }
      return kept;
    });
    if (stored.length > 0) this.appended.emit(id, appendedSince(after, conversation.first, stored));
    return stored.map((activity) => activity.id);
  }

  onAppended(listener: AppendedListener): () => void {
    return this.appended.add(listener);
  }

  async since(id: string, watermark: number) {
    const conversation = this.conversations.get(id);
    if (!conversation) return { activities: [], watermark: -1 };
    const next = Number.isInteger(watermark) && watermark >= 0 ? watermark + 1 : 0;
    return {
      activities: conversation.activities.slice(Math.max(0, next - conversation.first)),
      watermark: conversation.first + conversation.activities.length - 1,
    };
  }
}

/** A conversation's head in Storage: its activities are `first` … `next - 1`, each under its own key. */
interface Head extends DirectLineConversationInfo, StoreItem {
  first: number;
  next: number;
  /** The ring slot that holds it; when the slot is reused, the conversation is dropped. */
  slot: number;
}

/** Conversation ids are ours (base64url); anything else is not a stored conversation, nor a key to build. */
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const HEAD_KEY = (id: string) => `directline/transcript/${id}`;
const ACTIVITY_KEY = (id: string, seq: number) => `directline/transcript/${id}/${seq}`;
const RING_KEY = 'directline/transcripts';
const SLOT_KEY = (slot: number) => `directline/transcripts/${slot}`;
/** Queue key of the ring: never a conversation id. */
const RING = '#ring';


/**
 * Direct Line conversations in botbuilder Storage (the durable store under DATA_DIR), so that
 * conversations, their activities and watermarks survive a restart. Each activity is its own item,
 * so an append writes one activity and the conversation's head, whatever the conversation's length.
 * Bounds and numbering are those of MemoryDirectLineStore: at most `maxActivities` per conversation
 * (watermarks keep counting) and `maxConversations` conversations, the oldest dropped first (a ring
 * of slots). Changes to one conversation run one at a time in this process; the head (and the ring)
 * is written with its eTag, so another instance's change (a shared Redis) is refused rather than
 * lost, and the change is made again on what that instance wrote.
 */
export class StorageDirectLineStore implements DirectLineStore {
  private readonly queue = new KeyedQueue();
  private readonly appended = new AppendedListeners();
  /** This instance, in its announcements, so that it does not hear its own twice. */
  private readonly instance = randomBytes(6).toString('base64url');
  private bus?: PubSub;
  /**
   * The sequence number each conversation is appending now, until its write resolves. LevelStorage
   * shows a write to reads before it is on disk; a reader handed it (a socket, a poll) would keep a
   * watermark that a kill -9 then makes point past the end, and the number would be given out again.
   */
  private readonly writing = new Map<string, number>();

  constructor(
    private readonly storage: Storage,
    private readonly maxConversations = 10_000,
    private readonly maxActivities = 500,
    /** Keys of what else belongs to a conversation (the bot's state of it), deleted when it is dropped. */
    private readonly keysOwnedBy: (conversationId: string) => string[] = () => [],
  ) {}

  async create(id: string): Promise<DirectLineConversationInfo> {
    if (!CONVERSATION_ID.test(id)) throw new Error('a Direct Line conversation id is base64url');
    return this.queue.run(RING, () => retryOnETagConflict(async () => {
      const ring = await this.readOne<{ count: number }>(RING_KEY);
      const count = ring?.count ?? 0;
      const slot = count % this.maxConversations;
      const previous = await this.readOne<{ id: string }>(SLOT_KEY(slot));
      if (previous) await this.queue.run(previous.id, () => this.drop(previous.id, slot));
      return this.queue.run(id, async () => {
        await this.drop(id);
        const head: Head = { id, started: false, first: 0, next: 0, slot };
        // Slot, count and head in one write (all or nothing on LevelStorage and RedisStorage). An eTag
        // that no item has creates the ring only where none exists yet.
        await this.storage.write({ [SLOT_KEY(slot)]: { id }, [RING_KEY]: { count: count + 1, eTag: ring?.eTag ?? CREATE_ONLY_ETAG }, [HEAD_KEY(id)]: head });
        return { id, started: false };
      });
    }));
  }

  async get(id: string): Promise<DirectLineConversationInfo | undefined> {
    const head = await this.head(id);
    return head ? { id: head.id, started: head.started } : undefined;
  }

  async markStarted(id: string): Promise<void> {
    await this.queue.run(id, () => retryOnETagConflict(async () => {
      const head = await this.head(id);
      if (head && !head.started) await this.storage.write({ [HEAD_KEY(id)]: { ...head, started: true } });
    }));
  }

  async append(id: string, activity: Partial<Activity>): Promise<string> {
    return (await this.appendAll(id, [activity]))[0]!;
  }

  /** The activities and the head that counts them in one write; the head last, for stores that write item by item. */
  async appendAll(id: string, activities: Array<Partial<Activity>>): Promise<string[]> {
    if (activities.length === 0) return [];
    const { ids, appended } = await this.queue.run(id, () => retryOnETagConflict(async () => {
      const head = await this.head(id);
      if (!head) throw new Error(`unknown conversation ${id}`);
      const changes: StoreItems = {};
      const ids: string[] = [];
      const stored: Array<Partial<Activity>> = [];
      let { first, next } = head;
      for (const activity of activities) {
        const seq = next++;
        ids.push(activityId(id, seq));
        stored.push({ ...activity, id: ids[ids.length - 1] });
        changes[ACTIVITY_KEY(id, seq)] = stored[stored.length - 1];
        if (next - first > this.maxActivities) first++;
      }
      // The activities before the head that counts them: a reader never gets a watermark past a missing activity.
      changes[HEAD_KEY(id)] = { ...head, first, next };
      this.writing.set(id, head.next);
      try {
        await this.storage.write(changes);
      } finally {
        this.writing.delete(id);
      }
      if (first > head.first) await this.storage.delete(Array.from({ length: first - head.first }, (_, i) => ACTIVITY_KEY(id, head.first + i)));
      return { ids, appended: appendedSince(head.next - 1, first, stored) };
    }));
    this.appended.emit(id, appended);
    // Stored already: an announcement lost (Redis reconnecting) only delays the other instances'
    // sockets until they next read the store (at their keep-alive).
    this.bus?.publish(APPENDED_CHANNEL, `${this.instance} ${id}`).catch(() => undefined);
    return ids;
  }

  /**
   * Instances sharing this storage (Redis) hear each other's appends over `bus`, so a socket open on
   * one instance streams what a turn on another appended.
   */
  async shareAppends(bus: PubSub): Promise<void> {
    await bus.subscribe(APPENDED_CHANNEL, (message) => {
      const [from, conversationId] = message.split(' ');
      if (from !== this.instance && conversationId && CONVERSATION_ID.test(conversationId)) this.appended.emit(conversationId);
    });
    this.bus = bus;
  }

  onAppended(listener: AppendedListener): () => void {
    return this.appended.add(listener);
  }

  async since(id: string, watermark: number) {
    const head = await this.head(id);
    if (!head) return { activities: [], watermark: -1 };
    const next = Number.isInteger(watermark) && watermark >= 0 ? watermark + 1 : 0;
    // Only what is written: an append still on its way to the disk is read once it is there.
    const end = Math.min(head.next, this.writing.get(id) ?? Number.POSITIVE_INFINITY);
    const keys: string[] = [];
    for (let seq = Math.max(next, head.first); seq < end; seq++) keys.push(ACTIVITY_KEY(id, seq));
    const items = keys.length > 0 ? await this.storage.read(keys) : {};
    const activities = keys
      .map((key) => items[key] as (Partial<Activity> & StoreItem) | undefined)
      .filter((a): a is Partial<Activity> & StoreItem => a !== undefined)
      .map(({ eTag: _eTag, ...activity }) => activity as Partial<Activity>);
    return { activities, watermark: end - 1 };
  }

  private async head(id: string): Promise<Head | undefined> {
    return CONVERSATION_ID.test(id) ? this.readOne<Head>(HEAD_KEY(id)) : undefined;
  }

  /** Deletes a conversation and its activities (only if it still belongs to `slot`, when given). */
  private async drop(id: string, slot?: number): Promise<void> {
    const head = await this.head(id);
    if (!head || (slot !== undefined && head.slot !== slot)) return;
    const keys = [HEAD_KEY(id), ...this.keysOwnedBy(id)];
    for (let seq = head.first; seq < head.next; seq++) keys.push(ACTIVITY_KEY(id, seq));
    await this.storage.delete(keys);
  }

  private async readOne<T>(key: string): Promise<(T & StoreItem) | undefined> {
    const items = await this.storage.read([key]);
    return items[key] as (T & StoreItem) | undefined;
  }
}

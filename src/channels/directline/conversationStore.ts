import type { Activity } from 'botbuilder';

/** One Direct Line conversation: its activities in order; the watermark is the index of the last one read. */
export interface DirectLineConversation {
  id: string;
  started: boolean;
  /** The most recent activities; `first` is the sequence number of activities[0]. */
  activities: Array<Partial<Activity>>;
  first: number;
}

/**
 * Where Direct Line conversations live. The in-memory store suits one instance; a durable one
 * (same interface) keeps conversations and watermarks across restarts.
 */
export interface DirectLineStore {
  create(id: string): Promise<DirectLineConversation>;
  get(id: string): Promise<DirectLineConversation | undefined>;
  markStarted(id: string): Promise<void>;
  /** Appends, assigning the activity id "<conversation>|<seq>"; returns that id. */
  append(id: string, activity: Partial<Activity>): Promise<string>;
  /** Activities after the watermark, and the new watermark. */
  since(id: string, watermark: number): Promise<{ activities: Array<Partial<Activity>>; watermark: number }>;
}

export class MemoryDirectLineStore implements DirectLineStore {
  private readonly conversations = new Map<string, DirectLineConversation>();

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
    const conversation = this.conversations.get(id);
    if (!conversation) throw new Error(`unknown conversation ${id}`);
    const activityId = `${id}|${String(conversation.first + conversation.activities.length).padStart(7, '0')}`;
    conversation.activities.push({ ...activity, id: activityId });
    if (conversation.activities.length > this.maxActivities) {
      conversation.activities.shift();
      conversation.first++;
    }
    return activityId;
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

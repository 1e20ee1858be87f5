import { ActivityTypes, MemoryStorage, TestAdapter, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { createBot } from '../../src/bot/createBot';
import { replyActivity } from '../../src/replies/activity';
import { loadKnowledge } from '../../src/knowledge/loader';
import { Router } from '../../src/knowledge/router';
import { hoursPolicy } from '../../src/replies/knowledgeReplies';

// Built once per test file: training the router is the slow part.
export const kb = loadKnowledge();
export const router = new Router(kb);

export interface TestBotOptions {
  now?: Date;
  closures?: string[];
  channelId?: string;
}

/**
 * botbuilder's TestAdapter rejects continueConversation ("not implemented"); this one runs the
 * middleware on a continueConversation event for the reference, as the real adapters do, so
 * proactive sends (hand-off replies) land in activeQueue like any reply.
 */
export class ProactiveTestAdapter extends TestAdapter {
  override async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.runMiddleware(this.createContext(activity), logic);
  }
}

/**
 * The real bot (middleware, state, dialogs) on botbuilder's TestAdapter, with a fixed clock.
 * The hand-off reaches the user of this adapter's channel proactively (as app.ts wires the real channels).
 */
export function testBot(options: TestBotOptions = {}) {
  const storage = new MemoryStorage();
  const assembled = createBot({
    kb,
    router,
    storage,
    hours: hoursPolicy(kb.contact, options.closures ?? []),
    now: () => options.now ?? new Date('2026-11-19T10:00:00+09:00'),
  });
  const channelId = options.channelId ?? 'test';
  const adapter: TestAdapter = new ProactiveTestAdapter(async (context) => assembled.bot.run(context), { channelId } as Partial<Activity>);
  for (const m of assembled.middleware) adapter.use(m);
  assembled.handoff.setSender(channelId, (reference, reply) =>
    adapter.continueConversation(reference, async (context) => {
      await context.sendActivity(replyActivity(reply));
    }),
  );
  return { adapter, storage, ...assembled };
}

/** Sends one message and collects every reply of that turn as text. */
export async function say(adapter: TestAdapter, text: string | Partial<Activity>): Promise<string[]> {
  const before = adapter.activeQueue.length;
  await adapter.receiveActivity(text);
  return adapter.activeQueue.splice(before).map((a) => a.text ?? '');
}

/** Sends one activity and returns that turn's replies as activities, attachments (cards) included. */
export async function sayActivities(adapter: TestAdapter, activity: string | Partial<Activity>): Promise<Partial<Activity>[]> {
  const before = adapter.activeQueue.length;
  await adapter.receiveActivity(activity);
  return adapter.activeQueue.splice(before);
}

/** What a card button sends back: an Action.Submit `value` and no text, as Web Chat posts it. */
export function click(value: object): Partial<Activity> {
  return { type: 'message', text: '', value };
}

/** The key ConversationState stores this TestAdapter conversation under. */
export function conversationKey(adapter: TestAdapter): string {
  const { channelId, conversation } = adapter.conversation;
  return `${channelId}/conversations/${conversation.id}/`;
}

/** The conversation state as saved in storage (read back through Storage.read), e.g. { triageFacts, dialogState }. */
export async function storedState(bot: { adapter: TestAdapter; storage: MemoryStorage }): Promise<Record<string, unknown> | undefined> {
  const key = conversationKey(bot.adapter);
  return (await bot.storage.read([key]))[key] as Record<string, unknown> | undefined;
}

/** Everything MemoryStorage holds, exactly as it keeps it (one JSON string per key). */
export function storageText(storage: MemoryStorage): string {
  return JSON.stringify((storage as unknown as { memory: Record<string, string | undefined> }).memory);
}

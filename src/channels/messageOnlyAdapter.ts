import { ActivityTypes, BotAdapter, TurnContext, type ConversationReference } from 'botbuilder';

/**
 * Base of our own adapters (console, Direct Line, Slack): they send messages and continue
 * conversations proactively; the bot never edits or deletes what it sent.
 */
export abstract class MessageOnlyAdapter extends BotAdapter {
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    if (!reference.conversation?.id) throw new Error('a conversation reference needs a conversation id');
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async updateActivity(): Promise<void> {
    throw new Error('this channel does not edit sent messages');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('this channel does not delete sent messages');
  }
}

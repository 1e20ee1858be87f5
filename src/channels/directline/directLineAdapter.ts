import { MessageOnlyAdapter } from '../messageOnlyAdapter';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ResourceResponse,
} from 'botbuilder';
import { MAX_MESSAGE_CHARS } from '../../bot/middleware';
import { redactSecrets } from '../../safety/secrets';
import type { DirectLineStore } from './conversationStore';

export const DIRECT_LINE_CHANNEL_ID = 'directline';
export const DIRECT_LINE_BOT: ChannelAccount = { id: 'careplan-helpdesk-bot', name: 'ヘルプデスクbot' };

/**
 * The bot side of the self-hosted Direct Line: a user's activity runs one turn, and everything the
 * bot sends is appended to the conversation for clients to fetch.
 */
export class DirectLineAdapter extends MessageOnlyAdapter {
  constructor(
    private readonly store: DirectLineStore,
    private readonly serviceUrl: string,
  ) {
    super();
  }

  /** Stores the user's activity (clients see their own messages too) and runs the turn. */
  async receive(conversationId: string, incoming: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<string> {
    const activity: Partial<Activity> = {
      ...incoming,
      channelId: DIRECT_LINE_CHANNEL_ID,
      serviceUrl: this.serviceUrl,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      recipient: DIRECT_LINE_BOT,
      timestamp: new Date(),
    };
    if (activity.type !== ActivityTypes.ConversationUpdate) {
      // The transcript clients read back never holds a pasted secret, nor more text than the bot reads.
      const stored = typeof activity.text === 'string' ? { ...activity, text: redactSecrets(activity.text.slice(0, MAX_MESSAGE_CHARS)) } : activity;
      activity.id = await this.store.append(conversationId, stored);
    }
    await this.runMiddleware(new TurnContext(this, activity), logic);
    return activity.id ?? '';
  }

  /** Appends the activities (all of one send in one write); trace activities are not for clients. */
  async sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
    const conversationId = context.activity.conversation.id;
    const shown = activities.filter((activity) => activity.type !== ActivityTypes.Trace);
    const ids = await this.store.appendAll(
      conversationId,
      shown.map((activity) => ({ ...activity, from: DIRECT_LINE_BOT, recipient: context.activity.from, timestamp: new Date() })),
    );
    let next = 0;
    return activities.map((activity) => ({ id: activity.type === ActivityTypes.Trace ? '' : ids[next++]! }));
  }
}

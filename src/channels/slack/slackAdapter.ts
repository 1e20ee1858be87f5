import { MessageOnlyAdapter } from '../messageOnlyAdapter';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ResourceResponse,
} from 'botbuilder';
import type { App } from '@slack/bolt';
import { replyOf } from '../../replies/activity';
import { renderBlockKit } from '../../replies/render/blockKit';

export const SLACK_CHANNEL_ID = 'slack';
type WebClient = App['client'];

/** Where a Slack conversation lives: a DM, or one thread of a channel. */
export interface SlackConversation {
  team: string;
  channel: string;
  threadTs?: string;
}

/** "T1:D2" for a DM, "T1:C3:1700000000.000100" for a thread: one bot conversation each. */
export function conversationId({ team, channel, threadTs }: SlackConversation): string {
  return [team, channel, threadTs].filter(Boolean).join(':');
}

export function parseConversationId(id: string): SlackConversation {
  const [team = '', channel = '', threadTs] = id.split(':');
  return { team, channel, ...(threadTs ? { threadTs } : {}) };
}

/**
 * The dialogs' adapter for Slack: a Slack event becomes an Activity; the bot's replies become
 * chat.postMessage calls with Block Kit (and a plain-text fallback), in the same thread.
 */
export class SlackAdapter extends MessageOnlyAdapter {
  constructor(private readonly client: WebClient) {
    super();
  }

  async receive(
    conversation: SlackConversation,
    incoming: Pick<Activity, 'id' | 'text'> & Partial<Activity> & { userId: string },
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const { userId, ...rest } = incoming;
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message,
      ...rest,
      channelId: SLACK_CHANNEL_ID,
      serviceUrl: 'slack://',
      conversation: { id: conversationId(conversation), isGroup: Boolean(conversation.threadTs), conversationType: conversation.threadTs ? 'channel' : 'personal', name: '' },
      from: { id: userId, name: userId },
      recipient: { id: 'bot', name: 'bot' },
      timestamp: new Date(),
    };
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
    const { channel, threadTs } = parseConversationId(context.activity.conversation.id);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message) {
        responses.push({ id: '' });
        continue;
      }
      const reply = replyOf(activity);
      const body = reply ? renderBlockKit(reply) : { text: activity.text ?? '' };
      const result = await this.client.chat.postMessage({ channel, ...(threadTs ? { thread_ts: threadTs } : {}), ...body });
      responses.push({ id: result.ts ?? '' });
    }
    return responses;
  }
}

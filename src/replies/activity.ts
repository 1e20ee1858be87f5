import { replyToPlainText, type Reply } from './model';

/** Marks an outgoing activity as carrying a channel-neutral reply, rendered per channel on send. */
export const REPLY_CONTENT_TYPE = 'application/vnd.careplan-helpdesk.reply+json';

/** The part of a Bot Framework activity a reply travels in (structurally an Activity, without importing botbuilder). */
export interface ReplyActivity {
  type: 'message';
  text: string;
  attachments: Array<{ contentType: string; content: Reply }>;
}

/** A message activity carrying the reply; its text is the plain-text rendering, for clients that show only text. */
export function replyActivity(reply: Reply): ReplyActivity {
  return { type: 'message', text: replyToPlainText(reply), attachments: [{ contentType: REPLY_CONTENT_TYPE, content: reply }] };
}

export function replyOf(activity: { attachments?: Array<{ contentType: string; content?: unknown }> }): Reply | undefined {
  const attachment = activity.attachments?.find((a) => a.contentType === REPLY_CONTENT_TYPE);
  return attachment?.content as Reply | undefined;
}

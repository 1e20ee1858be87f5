import { ActivityTypes, type Activity } from 'botbuilder';
import { replyToPlainText, type Reply } from '../replies/model';

/** Marks an outgoing activity as carrying a channel-neutral reply, rendered per channel on send. */
export const REPLY_CONTENT_TYPE = 'application/vnd.careplan-helpdesk.reply+json';

export function replyActivity(reply: Reply): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    text: replyToPlainText(reply),
    attachments: [{ contentType: REPLY_CONTENT_TYPE, content: reply }],
  };
}

export function replyOf(activity: Partial<Activity>): Reply | undefined {
  const attachment = activity.attachments?.find((a) => a.contentType === REPLY_CONTENT_TYPE);
  return attachment?.content as Reply | undefined;
}

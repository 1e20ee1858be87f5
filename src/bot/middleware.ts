import { ActivityTypes, TurnContext, type Activity, type Middleware } from 'botbuilder';
import { PHRASES } from '../dialogs/phrases';
import { renderAdaptiveCard, type ChoiceSubmitData } from '../replies/render/adaptiveCard';
import { choiceValue, replyToPlainText, type Reply } from '../replies/model';
import { containsSecret } from '../safety/secrets';
import { replyActivity, replyOf } from '../replies/activity';

/** Longer messages are cut: nobody types more, and state and logs stay small. */
export const MAX_MESSAGE_CHARS = 4000;
// C0/C1 controls except tab and newline, and unpaired surrogates: they only break rendering.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes every incoming message look the same to the dialogs: a card button's Action.Submit value
 * becomes the user's text, unprintable characters go, huge text is cut.
 */
export const normalizeIncoming: Middleware = {
  async onTurn(context: TurnContext, next: () => Promise<void>) {
    const activity = context.activity;
    if (activity.type === ActivityTypes.Message) {
      // In Teams channels and group chats the text starts with the bot's <at>mention</at>. Entities come
      // from the client: malformed ones (not objects, mentions without who or what) are dropped first.
      if (Array.isArray(activity.entities)) activity.entities = activity.entities.filter(isWellFormedEntity);
      if (typeof activity.text === 'string' && activity.entities?.length) TurnContext.removeRecipientMention(activity);
      const submitted = (activity.value as Partial<ChoiceSubmitData> | undefined)?.choice;
      const text = typeof activity.text === 'string' && activity.text.trim() ? activity.text : typeof submitted === 'string' ? submitted : '';
      activity.text = text.slice(0, MAX_MESSAGE_CHARS).replace(UNPRINTABLE, '');
    }
    await next();
  },
};

/**
 * A message containing a password or other secret is answered with a warning, and its text is
 * dropped before any dialog, state, transcript or log sees it. What follows sees an empty message,
 * which every part treats as nothing said (the waiting question is asked again, nothing is relayed).
 */
export const secretGuard: Middleware = {
  async onTurn(context: TurnContext, next: () => Promise<void>) {
    if (context.activity.type === ActivityTypes.Message && containsSecret(context.activity.text ?? '')) {
      context.activity.text = '';
      context.activity.value = undefined;
      await context.sendActivity(replyActivity({ text: [PHRASES.secretWarning] }));
    }
    await next();
  },
};

function isWellFormedEntity(entity: unknown): boolean {
  if (!entity || typeof entity !== 'object') return false;
  const { type, text, mentioned } = entity as { type?: unknown; text?: unknown; mentioned?: { id?: unknown } };
  if (typeof type !== 'string') return false;
  return type !== 'mention' || (typeof text === 'string' && typeof mentioned?.id === 'string');
}

/** Channels that render our replies themselves, or only show text. */
const PLAIN_TEXT_CHANNELS = new Set(['console', 'test']);
const SELF_RENDERING_CHANNELS = new Set(['slack']);

/** Renders channel-neutral replies on the way out: Adaptive Cards for Bot Framework channels, text for the console. */
export const renderReplies: Middleware = {
  async onTurn(context: TurnContext, next: () => Promise<void>) {
    context.onSendActivities(async (ctx, activities, sendNext) => {
      for (const activity of activities) renderFor(ctx.activity.channelId, activity);
      return sendNext();
    });
    await next();
  },
};

export function renderFor(channelId: string, activity: Partial<Activity>): void {
  const reply = replyOf(activity);
  if (!reply || SELF_RENDERING_CHANNELS.has(channelId)) return;
  if (PLAIN_TEXT_CHANNELS.has(channelId) || isPlainText(reply)) {
    activity.text = replyToPlainText(reply);
    activity.attachments = undefined;
    // Text-only clients answer "2" for the second button; they need the labels to map it back.
    if (reply.choices?.length) activity.channelData = { ...activity.channelData, choices: reply.choices.map(choiceValue) };
    return;
  }
  Object.assign(activity, { text: undefined, ...renderAdaptiveCard(reply) });
}

function isPlainText(reply: Reply): boolean {
  return !reply.steps?.length && !reply.notes?.length && !reply.choices?.length && !reply.contact && !reply.source && !reply.title;
}

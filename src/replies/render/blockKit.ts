import { choiceValue, replyToPlainText, type Reply } from '../model';

/** What a Slack button carries back, so a click on an old message is recognised. */
export interface SlackButtonValue {
  choice: string;
  promptId?: string;
}

export const SLACK_ACTION_PREFIX = 'choice-';
const MAX_SECTION = 3000;
const MAX_BUTTON_TEXT = 75;
const MAX_BUTTONS = 25;

type Block = Record<string, unknown>;

/**
 * Slack rendering: a section per paragraph, one section per numbered step, buttons for choices, a
 * context line for the source, with a plain-text fallback for notifications.
 */
export function renderBlockKit(reply: Reply): { text: string; blocks: Block[] } {
  const blocks: Block[] = [];
  const section = (text: string) => blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text).slice(0, MAX_SECTION) } });
  if (reply.title) section(`*${reply.title}*`);
  for (const paragraph of reply.text ?? []) section(paragraph);
  reply.steps?.forEach((step, i) => {
    const notes = step.notes.map((note) => `\n_※${note.replace(/^※/, '')}_`).join('');
    section(`*${i + 1}.* ${step.text}${notes}`);
  });
  if (reply.notes?.length) section(reply.notes.map((n) => `※${n.replace(/^※/, '')}`).join('\n'));
  if (reply.contact) {
    const c = reply.contact;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${escapeMrkdwn(c.name)}*\n${escapeMrkdwn(c.status)}` },
      fields: [
        { type: 'mrkdwn', text: `*電話*\n${escapeMrkdwn(c.phone)}` },
        { type: 'mrkdwn', text: `*受付時間*\n${escapeMrkdwn(c.hoursText)}` },
        { type: 'mrkdwn', text: `*サポートサイト*\n<${c.supportSiteUrl}>` },
        { type: 'mrkdwn', text: escapeMrkdwn(c.inquiryForm) },
      ],
    });
  }
  if (reply.source) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`出典: ${reply.source}`) }] });
  const choices = (reply.choices ?? []).slice(0, MAX_BUTTONS);
  if (choices.length) {
    blocks.push({
      type: 'actions',
      block_id: `choices-${reply.promptId ?? 'none'}`,
      elements: choices.map((choice, i) => {
        const value: SlackButtonValue = { choice: choiceValue(choice), ...(reply.promptId ? { promptId: reply.promptId } : {}) };
        return {
          type: 'button',
          action_id: `${SLACK_ACTION_PREFIX}${i}`,
          text: { type: 'plain_text', text: truncate(choice.label, MAX_BUTTON_TEXT), emoji: true },
          value: JSON.stringify(value),
        };
      }),
    });
  }
  return { text: replyToPlainText(reply, { withChoices: false }).slice(0, MAX_SECTION), blocks };
}

/** Slack mrkdwn treats &, < and > as control characters (and "<!channel>" would ping everyone). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

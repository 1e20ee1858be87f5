import { choiceValue, replySummary, type Reply } from '../model';

/** What a card button sends back in `activity.value`; the bot turns it into the user's text. */
export interface ChoiceSubmitData {
  choice: string;
  promptId?: string;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/**
 * Bot Framework rendering (Teams, Web Chat, Direct Line): one Adaptive Card 1.5.
 * Buttons are Action.Submit; in Teams they are messageBack, so the click also shows as the
 * user's message there. The result is plain activity fields, so no SDK is imported here.
 */
export function renderAdaptiveCard(reply: Reply): { summary: string; attachments: Array<{ contentType: string; content: object }> } {
  const body: object[] = [];
  const block = (text: string, extra: object = {}) => body.push({ type: 'TextBlock', text: escapeMarkdown(text), wrap: true, ...extra });
  if (reply.title) block(reply.title, { weight: 'Bolder', size: 'Medium' });
  for (const paragraph of reply.text ?? []) block(paragraph);
  reply.steps?.forEach((step, i) => {
    body.push({
      type: 'ColumnSet',
      spacing: 'Small',
      columns: [
        { type: 'Column', width: 'auto', items: [{ type: 'TextBlock', text: `${i + 1}.`, weight: 'Bolder' }] },
        {
          type: 'Column',
          width: 'stretch',
          items: [
            { type: 'TextBlock', text: escapeMarkdown(step.text), wrap: true },
            ...step.notes.map((note) => ({ type: 'TextBlock', text: escapeMarkdown(`※${note.replace(/^※/, '')}`), wrap: true, isSubtle: true, size: 'Small', spacing: 'None' })),
          ],
        },
      ],
    });
  });
  for (const note of reply.notes ?? []) block(`※${note.replace(/^※/, '')}`, { isSubtle: true, size: 'Small' });
  if (reply.contact) {
    const c = reply.contact;
    block(c.name, { weight: 'Bolder', spacing: 'Medium' });
    body.push({
      type: 'FactSet',
      facts: [
        { title: '電話', value: c.phone },
        { title: '受付時間', value: c.hoursText },
        { title: '現在', value: c.status },
        { title: 'サポートサイト', value: c.supportSiteUrl },
      ],
    });
    block(c.inquiryForm, { size: 'Small' });
  }
  if (reply.source) block(`出典: ${reply.source}`, { isSubtle: true, size: 'Small', spacing: 'Medium' });

  const actions = (reply.choices ?? []).map((choice) => {
    const value = choiceValue(choice);
    const data: ChoiceSubmitData & { msteams: object } = {
      choice: value,
      ...(reply.promptId ? { promptId: reply.promptId } : {}),
      msteams: { type: 'messageBack', text: value, displayText: choice.label },
    };
    return { type: 'Action.Submit', title: choice.label, data };
  });
  const content = { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.5', body, actions };
  return { summary: replySummary(reply), attachments: [{ contentType: ADAPTIVE_CARD, content }] };
}

/** Guide text contains "*" and "_" (e.g. file names); Adaptive Cards would read them as markdown. */
function escapeMarkdown(text: string): string {
  return text.replace(/([*_`[\]])/g, '\\$1');
}

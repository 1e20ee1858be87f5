import { MessageOnlyAdapter } from '../messageOnlyAdapter';
import {
  ActivityTypes,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';

/**
 * A local chat in the terminal: each line is one user message; a number picks the matching
 * button of the last question. No credentials, no network.
 */
export class ConsoleAdapter extends MessageOnlyAdapter {
  private lastChoices: string[] = [];
  private nextId = 0;
  private readonly reference: ConversationReference = {
    channelId: 'console',
    serviceUrl: 'console://local',
    conversation: { id: 'console', isGroup: false, conversationType: 'personal', name: 'console' },
    bot: { id: 'bot', name: 'ヘルプデスクbot' },
    user: { id: 'user', name: 'あなた' },
  };

  constructor(private readonly print: (text: string) => void) {
    super();
  }

  /** Runs one turn for a line the user typed. */
  async receiveLine(line: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const choice = /^\s*(\d{1,2})\s*$/.exec(line);
    const text = choice && this.lastChoices[Number(choice[1]) - 1] !== undefined ? this.lastChoices[Number(choice[1]) - 1]! : line;
    await this.run({ type: ActivityTypes.Message, text }, logic);
  }

  /** The conversation opening, as a channel sends it when the user arrives. */
  async open(logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.run({ type: ActivityTypes.ConversationUpdate, membersAdded: [this.reference.user!] }, logic);
  }

  private async run(partial: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { ...partial, id: String(++this.nextId), timestamp: new Date(), from: this.reference.user, recipient: this.reference.bot },
      this.reference,
      true,
    );
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message) continue;
      const choices = (activity.channelData as { choices?: string[] } | undefined)?.choices;
      if (choices) this.lastChoices = choices;
      this.print(activity.text ?? '');
    }
    return activities.map(() => ({ id: String(++this.nextId) }));
  }
}

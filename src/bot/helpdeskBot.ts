import { ActivityHandler, type ConversationState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import { MAIN_DIALOG, MainDialog } from '../dialogs/mainDialog';
import { RESTART_KEY, type MainOptions } from '../dialogs/triageDialog';
import { KeyedQueue } from './turnQueue';

/**
 * Runs the main dialog on every message and greets new members. State is saved once per turn,
 * here, whatever the dialogs did.
 */
export class HelpdeskBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly turns = new KeyedQueue();

  constructor(
    private readonly conversationState: ConversationState,
    dialogState: StatePropertyAccessor<DialogState>,
    mainDialog: MainDialog,
  ) {
    super();
    this.dialogs = new DialogSet(dialogState).add(mainDialog);
    this.onMessage(async (context, next) => {
      await this.continueConversation(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const newcomers = (context.activity.membersAdded ?? []).filter((m) => m.id !== context.activity.recipient?.id);
      if (newcomers.length > 0) await this.startMain(context, {});
      await next();
    });
  }

  /** One turn per conversation at a time (on this instance), state saved at its end. */
  override async run(context: TurnContext): Promise<void> {
    await this.turns.run(`${context.activity.channelId}/${context.activity.conversation?.id}`, async () => {
      await super.run(context);
      await this.conversationState.saveChanges(context, false);
    });
  }

  private async continueConversation(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    const result = await dc.continueDialog();
    const restart = context.turnState.get(RESTART_KEY) as MainOptions | undefined;
    if (restart) {
      if (!restart.quiet) await dc.beginDialog(MAIN_DIALOG, restart);
    } else if (result.status === DialogTurnStatus.empty) {
      await dc.beginDialog(MAIN_DIALOG, { utterance: context.activity.text } satisfies MainOptions);
    }
  }

  private async startMain(context: TurnContext, options: MainOptions): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    await dc.cancelAllDialogs();
    await dc.beginDialog(MAIN_DIALOG, options);
  }
}

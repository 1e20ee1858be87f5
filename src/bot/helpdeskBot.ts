import { ActivityHandler, ActivityTypes, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import { MAIN_DIALOG, MainDialog } from '../dialogs/mainDialog';
import { clickedPromptId } from '../dialogs/commands';
import { PHRASES } from '../dialogs/phrases';
import type { MainOptions } from '../dialogs/triageDialog';
import type { ConversationAnalytics } from '../analytics/conversationAnalytics';
import type { HandoffBridge } from './handoffBridge';
import { replyActivity } from '../replies/activity';
import { saveStates, type CheckedConversationState, type CheckedUserState } from '../storage/checkedState';
import { retryOnETagConflict } from '../storage/eTagRetry';
import { TurnAttempt } from './turnAttempt';
import { KeyedQueue, type TurnQueue } from './turnQueue';

/** A turn that keeps losing its save to concurrent turns fails after this many runs. */
const TURN_ATTEMPTS = 5;
/** How many of a conversation's latest message ids are kept to recognise a redelivery. */
const REMEMBERED_IDS = 20;

/**
 * Runs the main dialog on every message (or passes it to the helpdesk agent while a hand-off is
 * open) and greets new members. State is saved once per turn, here, whatever the dialogs did.
 */
export class HelpdeskBot extends ActivityHandler {
  private readonly dialogs: DialogSet;
  private readonly recentMessageIds: StatePropertyAccessor<string[]>;

  constructor(
    private readonly conversationState: CheckedConversationState,
    private readonly userState: CheckedUserState,
    dialogState: StatePropertyAccessor<DialogState>,
    mainDialog: MainDialog,
    private readonly handoff: HandoffBridge,
    /** One turn per conversation: in this process (KeyedQueue), or across instances (SharedTurnQueue). */
    private readonly turns: TurnQueue = new KeyedQueue(),
    /** Feedback analytics; absent: nothing recorded. */
    private readonly analytics?: ConversationAnalytics,
  ) {
    super();
    this.dialogs = new DialogSet(dialogState).add(mainDialog);
    this.recentMessageIds = conversationState.createProperty<string[]>('recentMessageIds');
    this.onMessage(async (context, next) => {
      if (!(await this.handoff.relayed(context))) {
        await this.analytics?.userMessage(context);
        await this.continueConversation(context);
      }
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const newcomers = (context.activity.membersAdded ?? []).filter((m) => m.id !== context.activity.recipient?.id);
      if (newcomers.length > 0) await this.welcome(context);
      await next();
    });
  }

  /**
   * One turn per conversation at a time (on this instance, or on all with a shared queue), state
   * saved at its end. Should the save lose all the same to another instance's save of the same
   * conversation (eTag conflict, see createBot), the turn runs again on the state that won; its
   * replies and other effects wait for the save (TurnAttempt), so they happen once.
   */
  override async run(context: TurnContext): Promise<void> {
    await this.turns.run(`${context.activity.channelId}/${context.activity.conversation?.id}`, async () => {
      const saved = await retryOnETagConflict(async () => {
        const attempt = new TurnAttempt(context);
        if (await this.isRedelivery(attempt.context)) return attempt;
        await this.handoff.recordTurn(attempt.context);
        await this.analytics?.turn(attempt.context);
        await super.run(attempt.context);
        // Both in one write, all or nothing: should either lose to another save (another turn of this
        // conversation, or of another conversation of the same user), the turn runs again before
        // anything of it was saved. User state first, for stores that write item by item.
        await saveStates(attempt.context, [this.userState, this.conversationState]);
        return attempt;
      }, TURN_ATTEMPTS);
      await saved.commit();
    });
  }

  /**
   * A message delivered again (Teams when our answer was slow, Slack's retries, after a restart or on
   * another instance too) has the id of one already answered: it is answered once. The ids are kept
   * in the conversation state, so the check is as safe as the turn's own save.
   */
  private async isRedelivery(context: TurnContext): Promise<boolean> {
    const id = context.activity.id;
    if (!id || context.activity.type !== ActivityTypes.Message) return false;
    const recent = await this.recentMessageIds.get(context, []);
    if (recent.includes(id)) return true;
    await this.recentMessageIds.set(context, [...recent, id].slice(-REMEMBERED_IDS));
    return false;
  }

  private async continueConversation(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status !== DialogTurnStatus.empty) return;
    // Nothing is waiting: a button from a finished question is old; anything else starts afresh.
    if (clickedPromptId(context.activity) !== undefined) await context.sendActivity(replyActivity({ text: [PHRASES.staleClickFinished] }));
    else await dc.beginDialog(MAIN_DIALOG, { utterance: context.activity.text } satisfies MainOptions);
  }

  /** Greets a newcomer with the menu, unless a conversation is already under way (e.g. someone joins a group chat). */
  private async welcome(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    if (!dc.activeDialog) await dc.beginDialog(MAIN_DIALOG, {} satisfies MainOptions);
  }
}

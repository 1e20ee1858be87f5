import { BotAdapter, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';

const ATTEMPT_KEY = Symbol('turn-attempt');

/**
 * One run of a turn whose effects beyond conversation state (replies, tickets, helpdesk messages,
 * analytics) are held back until that state is saved. When the save loses to a concurrent turn of
 * the same conversation (eTag conflict), the attempt is dropped with everything it held, and the
 * turn runs again on fresh state: the user sees one set of replies, the helpdesk one ticket.
 *
 * The attempt's context is a copy of the turn's (same activity, a copy of its turn state) whose
 * adapter holds sends back; on commit they go out through the real turn, its middleware included.
 */
export class TurnAttempt {
  readonly context: TurnContext;
  /** In the order they happened: replies to send, and other effects. */
  private readonly heldBack: Array<{ send: Partial<Activity>[] } | { effect: () => Promise<unknown> }> = [];
  /** Bookkeeping that runs after everything else (see afterTurnSaved). */
  private readonly atEnd: Array<() => Promise<unknown>> = [];
  private committed = false;

  constructor(readonly turn: TurnContext) {
    this.context = new TurnContext(new HoldingAdapter(this), turn.activity);
    for (const [key, value] of turn.turnState) this.context.turnState.set(key, value);
    this.context.turnState.set(ATTEMPT_KEY, this);
  }

  /** Runs `effect` once this attempt's state is saved (at once when it already is). */
  async afterSave<T>(effect: () => Promise<T> | T): Promise<void> {
    if (this.committed) await effect();
    else this.heldBack.push({ effect: async () => effect() });
  }

  /** Runs `effect` once this attempt's state is saved, after its replies and other effects (at once when it already is). */
  async atEndOfCommit<T>(effect: () => Promise<T> | T): Promise<void> {
    if (this.committed) await effect();
    else this.atEnd.push(async () => effect());
  }

  /** Sends `activities` through the real turn once this attempt's state is saved (at once when it already is). */
  async sendAfterSave(activities: Partial<Activity>[]): Promise<void> {
    if (this.committed) await this.turn.sendActivities(activities);
    else this.heldBack.push({ send: activities });
  }

  /**
   * Carries out what was held back, in the order it happened; call once the state is saved. Replies
   * held one after the other go out in one send (as one sendActivities call, each activity as it
   * was): a channel that stores them (Direct Line) writes them at once.
   */
  async commit(): Promise<void> {
    this.committed = true;
    const held = this.heldBack.splice(0);
    for (let i = 0; i < held.length; i++) {
      const first = held[i]!;
      if ('effect' in first) {
        await first.effect();
        continue;
      }
      const replies = [...first.send];
      for (let next = held[i + 1]; next && 'send' in next; next = held[i + 1]) {
        replies.push(...next.send);
        i++;
      }
      await this.turn.sendActivities(replies);
    }
    for (const effect of this.atEnd.splice(0)) await effect();
  }
}

/**
 * Runs `effect` when the turn's conversation state is saved: at once outside a turn attempt
 * (proactive messages, the helpdesk's own actions), otherwise with the attempt's commit.
 */
export function afterStateSaved<T>(context: TurnContext, effect: () => Promise<T> | T): Promise<void> {
  const attempt = context.turnState.get(ATTEMPT_KEY) as TurnAttempt | undefined;
  return attempt ? attempt.afterSave(effect) : Promise.resolve(effect()).then(() => undefined);
}

/**
 * Runs `effect` when the turn's conversation state is saved, after the turn's replies and its other
 * effects: for bookkeeping that nothing the user or the helpdesk sees waits on (analytics counters),
 * so that it does not come between two replies, which then go out together.
 */
export function afterTurnSaved<T>(context: TurnContext, effect: () => Promise<T> | T): Promise<void> {
  const attempt = context.turnState.get(ATTEMPT_KEY) as TurnAttempt | undefined;
  return attempt ? attempt.atEndOfCommit(effect) : Promise.resolve(effect()).then(() => undefined);
}

/** The attempt's adapter: sends wait for the commit; nothing in a turn updates or deletes activities. */
class HoldingAdapter extends BotAdapter {
  constructor(private readonly attempt: TurnAttempt) {
    super();
  }

  override async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    await this.attempt.sendAfterSave(activities);
    // Held-back replies have no id yet; nothing in a turn refers to its own replies by id.
    return activities.map(() => ({ id: '' }));
  }

  override updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<void> {
    return this.attempt.turn.updateActivity(activity).then(() => undefined);
  }

  override deleteActivity(_context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    return this.attempt.turn.deleteActivity(reference);
  }

  override continueConversation(): Promise<void> {
    throw new Error('continueConversation belongs to the channel adapter, not to a turn attempt');
  }
}

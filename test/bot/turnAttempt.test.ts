import { ActivityTypes, BotAdapter, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { afterStateSaved, afterTurnSaved, TurnAttempt } from '../../src/bot/turnAttempt';

/** Records each sendActivities call (the texts it carried) and, between them, what else happened. */
class RecordingAdapter extends BotAdapter {
  readonly log: string[] = [];
  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    this.log.push(`send ${activities.map((a) => a.text).join('+')}`);
    return activities.map((_, i) => ({ id: String(i) }));
  }
  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(): Promise<void> {}
}

function turn() {
  const adapter = new RecordingAdapter();
  const context = new TurnContext(adapter, { type: ActivityTypes.Message, channelId: 'test', conversation: { id: 'c' } as never, from: { id: 'u' } as never, recipient: { id: 'bot' } as never, text: 'hi' });
  return { adapter, attempt: new TurnAttempt(context) };
}

describe('TurnAttempt', () => {
  it('holds replies and effects until the commit, then carries them out in order; replies one after the other go out in one send', async () => {
    const { adapter, attempt } = turn();
    await attempt.context.sendActivity('a');
    await afterStateSaved(attempt.context, () => adapter.log.push('ticket'));
    await attempt.context.sendActivity('b');
    await afterTurnSaved(attempt.context, () => adapter.log.push('counted'));
    await attempt.context.sendActivities([{ text: 'c' }, { text: 'd' }]);
    await attempt.context.sendActivity('e');
    expect(adapter.log).toEqual([]);
    await attempt.commit();
    expect(adapter.log).toEqual(['send a', 'ticket', 'send b+c+d+e', 'counted']);
    // After the commit, nothing is held.
    await attempt.context.sendActivity('f');
    await afterTurnSaved(attempt.context, () => adapter.log.push('counted again'));
    expect(adapter.log.slice(4)).toEqual(['send f', 'counted again']);
  });

  it('outside an attempt, effects run at once', async () => {
    const { adapter } = turn();
    const context = new TurnContext(adapter, { type: ActivityTypes.Message, channelId: 'test', conversation: { id: 'c' } as never, text: 'hi' });
    await afterStateSaved(context, () => adapter.log.push('now'));
    await afterTurnSaved(context, () => adapter.log.push('now too'));
    expect(adapter.log).toEqual(['now', 'now too']);
  });
});

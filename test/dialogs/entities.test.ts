import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { TURN_ERROR_TEXT } from '../../src/channels/channel';
import { MENU } from '../../src/dialogs/phrases';
import { say, testBot } from '../support/testBot';

describe('mention entities from the client', () => {
  it.each([
    ['an empty entity', [{}]],
    ['a null entity', [null]],
    ['a mention without who or what', [{ type: 'mention' }]],
    ['a mention whose text is not a string', [{ type: 'mention', text: 5, mentioned: { id: 'bot' } }]],
  ])('%s is ignored, never a failed turn', async (_name, entities) => {
    const { adapter } = testBot();
    const replies = await say(adapter, { type: 'message', text: 'こんにちは', entities } as unknown as Partial<Activity>);
    expect(replies.join('\n')).not.toContain(TURN_ERROR_TEXT);
    expect(replies.join('\n')).toContain(MENU.certificate);
  });

  it("the bot's own @mention is removed before matching, as Teams channels send it", async () => {
    const { adapter } = testBot();
    const mention = { type: 'mention', text: '<at>bot</at>', mentioned: { id: 'bot', name: 'bot' } };
    const replies = await say(adapter, { type: 'message', text: '<at>bot</at> メニュー', entities: [mention] } as Partial<Activity>);
    expect(replies.join('\n')).toContain(MENU.certificate);
  });
});

import { describe, expect, it } from 'vitest';
import { loadDevSet } from '../support/routingEvaluation';
import { router, say, testBot } from '../support/testBot';
import { title } from './conversation';

/**
 * The router's quality is measured on its own (test/knowledge); users get it through the bot. Every
 * development question the router answers must reach the user as that entry, as the first message
 * of a chat: no menu shortcut, command or special entry may get in the way.
 */
describe('development questions asked through the bot', () => {
  const dev = loadDevSet();

  it('every question the router answers shows that entry', async () => {
    const lost: string[] = [];
    for (const { q } of dev.questions) {
      const { decision, candidates } = router.route(q);
      if (decision !== 'answer') continue;
      const replies = (await say(testBot().adapter, q)).join('\n');
      if (!replies.includes(title(candidates[0]!.entry.id))) lost.push(`${q} → ${replies.split('\n')[0]}`);
    }
    expect(lost).toEqual([]);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { FactReader } from '../../src/knowledge/facts';
import { planFor } from '../../src/knowledge/triage';
import { seen } from '../support/conversationEvaluation';
import { loadDevSet } from '../support/routingEvaluation';
import { kb, router, say, testBot } from '../support/testBot';

const reader = new FactReader(kb.facts, router.analyzer);

/**
 * The router's quality is measured on its own (test/knowledge); users get it through the bot, after
 * the facts of the message have had their say. Every development question must reach the user as
 * planned, as the first message of a chat: an answer shows that entry first, a vague question
 * starts its topic's triage (a question of it, or the overview that opens it). And the plan must stay
 * right: an expected entry shown, or the triage of an expected entry's topic.
 */
describe('development questions asked through the bot', () => {
  const dev = loadDevSet();

  it('every question reaches the user as planned, and at least 95 % of them rightly', async () => {
    const lost: string[] = [];
    let right = 0;
    for (const { q, expect: expected } of dev.questions) {
      const plan = planFor(q, router, reader);
      const turn = seen(await say(testBot().adapter, q));
      const first = turn.entries[0];
      if (plan.action === 'answer') {
        if (first !== plan.answers[0]!.id) lost.push(`${q} → planned ${plan.answers[0]!.id}, shown ${first ?? turn.replies[0]}`);
        if (first && expected.includes(first)) right++;
      } else if (plan.action === 'triage') {
        if (turn.asked.length === 0 && !first) lost.push(`${q} → planned the ${plan.topic} triage, got ${turn.replies[0]}`);
        if (expected.some((id) => kb.byId.get(id)!.topic === plan.topic)) right++;
      } else if (plan.action === 'unsure' && turn.asked.length === 0 && !turn.replies.join('\n').includes('次のどれについて')) lost.push(`${q} → planned buttons`);
    }
    expect(lost).toEqual([]);
    expect(right / dev.questions.length).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});

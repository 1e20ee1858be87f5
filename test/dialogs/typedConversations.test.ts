import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONVERSATION_DEV_PATHS, loadConversationSet, playAnswer, playConversation, playOpening } from '../support/conversationEvaluation';

/**
 * Every opening, typed answer and whole conversation of the development sets, typed into the whole
 * bot (middleware, state, dialogs on TestAdapter) as `npm run bench:conversations` plays them, so that
 * what the bench measures is what users see. The floors sit a little under today's figures: a change
 * that makes the bot read staff worse fails here, before the bench is run.
 */
const FLOORS = { openings: 0.85, answers: 0.92, conversations: 0.9 };

describe.each(CONVERSATION_DEV_PATHS.map((path) => [basename(path), path]))('typed conversations of %s, through the bot', (_name, path) => {
  const set = loadConversationSet(path);

  it(`starts the right question or answer for at least ${FLOORS.openings * 100} % of the openings`, async () => {
    const results = [];
    for (const opening of set.openings) results.push(await playOpening(opening));
    expect(results.filter((r) => r.right).length / results.length).toBeGreaterThanOrEqual(FLOORS.openings);
  }, 60_000);

  it(`understands at least ${FLOORS.answers * 100} % of the typed answers to its questions`, async () => {
    const results = [];
    for (const answer of set.answers) results.push(await playAnswer(answer));
    expect(results.filter((r) => r.right).length / results.length).toBeGreaterThanOrEqual(FLOORS.answers);
  }, 60_000);

  it(`brings at least ${FLOORS.conversations * 100} % of the whole typed conversations to their guide entry`, async () => {
    const results = [];
    for (const conversation of set.conversations) results.push(await playConversation(conversation));
    expect(results.filter((r) => r.solved).length / results.length).toBeGreaterThanOrEqual(FLOORS.conversations);
  }, 60_000);
});

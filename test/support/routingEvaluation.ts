import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import type { Router } from '../../src/knowledge/router';

export const QuestionSet = z.strictObject({
  questions: z.array(z.strictObject({ q: z.string(), expect: z.array(z.string()).min(1) })).min(1),
  offTopic: z.array(z.string()).min(1),
});
export type QuestionSet = z.infer<typeof QuestionSet>;

export function loadQuestionSet(path: string): QuestionSet {
  return QuestionSet.parse(load(readFileSync(path, 'utf8')));
}

/** The development sets, each by an author who never saw the examples (nor the other set): tuned on, never trained on. */
export const DEV_SET_PATHS = ['dev-set.yaml', 'dev-set-b.yaml'].map((name) => join(__dirname, '../data', name));
/** Each by yet another author; the bench prints them, nothing is tuned on them. */
export const HOLDOUT_PATHS = ['holdout.yaml', 'holdout-c.yaml', 'holdout-d.yaml'].map((name) => join(__dirname, '../../bench/data', name)).filter((path) => existsSync(path));

/** Every question set, development and held-out: none of their questions may be trained on. */
export function allQuestionSets(): QuestionSet[] {
  return [...DEV_SET_PATHS, ...HOLDOUT_PATHS].map(loadQuestionSet);
}

export function loadDevSet(): QuestionSet {
  const sets = DEV_SET_PATHS.map(loadQuestionSet);
  return { questions: sets.flatMap((s) => s.questions), offTopic: sets.flatMap((s) => s.offTopic) };
}

export interface Miss {
  q: string;
  expect: string[];
  got: string[];
  decision: string;
}

export interface RoutingScore {
  questions: number;
  top1: number;
  top3: number;
  /** Answered directly with a right entry among those shown: what a user sees as "the bot knew". */
  answeredRight: number;
  /** Unsure, with a right entry among the offered buttons. */
  offeredRight: number;
  /** On-topic questions wrongly turned away. */
  rejected: number;
  offTopicQuestions: number;
  offTopicRejected: number;
  misses: Miss[];
  offTopicLeaks: Array<{ q: string; got: string; decision: string }>;
}

export function scoreRouting(router: Router, set: QuestionSet): RoutingScore {
  const score: RoutingScore = {
    questions: set.questions.length, top1: 0, top3: 0, answeredRight: 0, offeredRight: 0, rejected: 0,
    offTopicQuestions: set.offTopic.length, offTopicRejected: 0, misses: [], offTopicLeaks: [],
  };
  for (const { q, expect } of set.questions) {
    const { decision, candidates, answers } = router.route(q);
    const ids = candidates.map((c) => c.entry.id);
    const top1 = ids[0] !== undefined && expect.includes(ids[0]);
    const top3 = ids.slice(0, 3).some((id) => expect.includes(id));
    const answeredRight = answers.some((a) => expect.includes(a.entry.id));
    if (top1) score.top1++;
    if (top3) score.top3++;
    if (answeredRight) score.answeredRight++;
    if (decision === 'unsure' && top3) score.offeredRight++;
    if (decision === 'off-topic') score.rejected++;
    if (!answeredRight) score.misses.push({ q, expect, got: ids, decision });
  }
  for (const q of set.offTopic) {
    const { decision, candidates } = router.route(q);
    if (decision === 'off-topic') score.offTopicRejected++;
    else score.offTopicLeaks.push({ q, got: candidates[0]?.entry.id ?? '', decision });
  }
  return score;
}

export const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
export const percent = (part: number, whole: number) => `${(100 * ratio(part, whole)).toFixed(1)} %`;

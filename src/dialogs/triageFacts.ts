import type { Facts } from '../knowledge/factTable';
import type { Topic } from '../knowledge/schema';

/**
 * What the dialogs learned about the user's problem: the facts (typed values of facts.ts, whose table
 * gives their Japanese for replies and tickets), whether asked or read from what the user typed. Kept
 * in conversation state so a human agent taking over sees it without asking again. Never holds a
 * secret: free text is redacted first.
 */
export interface TriageFacts extends Facts {
  topic?: Topic;
  /** The error message as the user gave it, redacted. */
  errorMessage?: string;
  /** Guide entries already shown, in order. */
  shownEntries: string[];
  /** 解決しましたか？ answers. */
  feedback: Array<{ entryId: string; solved: boolean }>;
  /** Questions the bot could not answer, redacted. */
  unanswered: string[];
}

/**
 * Kept per user (user state), not per conversation: the last guide entry answered, so that a user who
 * comes back in another chat can open it with one click. An entry id and a time only.
 */
export interface LastAnswer {
  entryId: string;
  /** ISO time it was shown. */
  at: string;
}

export const emptyFacts = (): TriageFacts => ({ shownEntries: [], feedback: [], unanswered: [] });

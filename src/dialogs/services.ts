import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ConversationAnalytics } from '../analytics/conversationAnalytics';
import type { HandoffReason } from '../handoff/ticket';
import type { HoursPolicy } from '../helpdesk/businessHours';
import type { KnowledgeBase } from '../knowledge/loader';
import type { FactReader } from '../knowledge/facts';
import type { Router } from '../knowledge/router';
import type { LastAnswer, TriageFacts } from './triageFacts';

/** What every dialog needs, passed in once so tests can set the clock and the closures. */
export interface TriageServices {
  kb: KnowledgeBase;
  router: Router;
  /** Reads facts and typed answers from what the user writes. */
  reader: FactReader;
  hours: HoursPolicy;
  now: () => Date;
  facts: StatePropertyAccessor<TriageFacts>;
  /** In user state: the last answer this user was given, offered again when they come back; absent: not kept. */
  lastAnswer?: StatePropertyAccessor<LastAnswer | undefined>;
  /** Hands the conversation to the human helpdesk (a ticket with the facts and transcript). */
  openHandoff: (context: TurnContext, reason: HandoffReason) => Promise<void>;
  /** Feedback analytics (router decisions, answers, 解決しましたか？, unanswered questions); absent: nothing recorded. */
  analytics?: ConversationAnalytics;
}

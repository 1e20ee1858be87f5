import { type Middleware, type StatePropertyAccessor, type Storage, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { ConversationAnalytics, type AnalyticsSession } from '../analytics/conversationAnalytics';
import { AnalyticsRecorder } from '../analytics/recorder';
import { MainDialog } from '../dialogs/mainDialog';
import { emptyFacts, type LastAnswer, type TriageFacts } from '../dialogs/triageFacts';
import { HandoffService } from '../handoff/handoffService';
import type { TranscriptLine } from '../handoff/ticket';
import { TicketStore } from '../handoff/ticketStore';
import type { HoursPolicy } from '../helpdesk/businessHours';
import type { KnowledgeBase } from '../knowledge/loader';
import { FactReader } from '../knowledge/facts';
import { Router } from '../knowledge/router';
import { silentLogger, type Logger } from '../logging';
import { CheckedConversationState, CheckedUserState } from '../storage/checkedState';
import { HandoffBridge } from './handoffBridge';
import { HelpdeskBot } from './helpdeskBot';
import { normalizeIncoming, renderReplies, secretGuard } from './middleware';
import type { TurnQueue } from './turnQueue';

export interface BotOptions {
  kb: KnowledgeBase;
  storage: Storage;
  hours: HoursPolicy;
  now?: () => Date;
  router?: Router;
  log?: Logger;
  /** How turns of one conversation are kept apart; default: one at a time in this process (KeyedQueue). */
  turns?: TurnQueue;
  /** Where feedback analytics go; default: a recorder on `storage`. */
  analytics?: AnalyticsRecorder;
  /** Days a resolved ticket is kept (default 90). */
  handoffRetentionDays?: number;
}

export interface AssembledBot {
  bot: HelpdeskBot;
  conversationState: CheckedConversationState;
  handoff: HandoffService;
  /** In the order every adapter must use them. */
  middleware: Middleware[];
  facts: (context: TurnContext) => Promise<TriageFacts>;
  analytics: AnalyticsRecorder;
}

/** Wires state, dialogs, hand-off and middleware; channels only add an adapter. */
export function createBot(options: BotOptions): AssembledBot {
  const now = options.now ?? (() => new Date());
  // Saves are eTag-checked (a save that lost to a concurrent one fails instead of overwriting it),
  // serialised once, and made in one write per turn (see checkedState.ts).
  const conversationState = new CheckedConversationState(options.storage);
  const userState = new CheckedUserState(options.storage);
  const facts = conversationState.createProperty<TriageFacts>('triageFacts');
  const dialogState = conversationState.createProperty<DialogState>('dialogState');
  const analytics = options.analytics ?? new AnalyticsRecorder(options.storage, { now, timeZone: options.kb.contact.hours.timeZone, log: options.log });
  const tracker = new ConversationAnalytics(analytics, conversationState.createProperty<AnalyticsSession | undefined>('analytics'), now);
  const log = options.log ?? silentLogger();
  const handoff = new HandoffService(new TicketStore(options.storage, { retentionDays: options.handoffRetentionDays, now }), now, log);
  const bridge = new HandoffBridge(handoff, {
    transcript: conversationState.createProperty<TranscriptLine[]>('transcript'),
    activeTicket: conversationState.createProperty<string | undefined>('handoffTicket'),
    facts,
    contact: options.kb.contact,
    hours: options.hours,
    now,
    log,
  });
  const router = options.router ?? new Router(options.kb);
  const mainDialog = new MainDialog({
    kb: options.kb,
    router,
    reader: new FactReader(options.kb.facts, router.analyzer),
    hours: options.hours,
    now,
    facts,
    lastAnswer: ofKnownUsers(userState.createProperty<LastAnswer | undefined>('lastAnswer')),
    openHandoff: async (context, reason) => {
      await bridge.open(context, reason);
      await tracker.escalated(context, reason);
    },
    analytics: tracker,
  });
  return {
    bot: new HelpdeskBot(conversationState, userState, dialogState, mainDialog, bridge, options.turns, tracker),
    conversationState,
    handoff,
    middleware: [normalizeIncoming, renderReplies, secretGuard],
    facts: (context) => facts.get(context, emptyFacts()),
    analytics,
  };
}

/**
 * User state is keyed by the sender's id; an activity without one (Bot Framework allows that) has no
 * user to remember, so it reads nothing and keeps nothing.
 */
function ofKnownUsers<T>(property: StatePropertyAccessor<T>): StatePropertyAccessor<T> {
  const known = (context: TurnContext) => Boolean(context.activity.from?.id);
  return {
    get: (context: TurnContext, defaultValue?: T) => (known(context) ? property.get(context, defaultValue as T) : Promise.resolve(defaultValue as T)),
    set: (context: TurnContext, value: T) => (known(context) ? property.set(context, value) : Promise.resolve()),
    delete: (context: TurnContext) => (known(context) ? property.delete(context) : Promise.resolve()),
  };
}

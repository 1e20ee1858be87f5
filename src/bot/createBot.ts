import { ConversationState, type Middleware, type Storage } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { HoursPolicy } from '../helpdesk/businessHours';
import { MainDialog } from '../dialogs/mainDialog';
import { emptyFacts, type TriageFacts } from '../dialogs/triageFacts';
import type { KnowledgeBase } from '../knowledge/loader';
import { Router } from '../knowledge/router';
import { HelpdeskBot } from './helpdeskBot';
import { normalizeIncoming, renderReplies, secretGuard } from './middleware';

export interface BotOptions {
  kb: KnowledgeBase;
  storage: Storage;
  hours: HoursPolicy;
  now?: () => Date;
  router?: Router;
}

export interface AssembledBot {
  bot: HelpdeskBot;
  conversationState: ConversationState;
  /** In the order every adapter must use them. */
  middleware: Middleware[];
  facts: (context: import('botbuilder').TurnContext) => Promise<TriageFacts>;
}

/** Wires state, dialogs and middleware; channels only add an adapter. */
export function createBot(options: BotOptions): AssembledBot {
  const conversationState = new ConversationState(options.storage);
  const facts = conversationState.createProperty<TriageFacts>('triageFacts');
  const dialogState = conversationState.createProperty<DialogState>('dialogState');
  const mainDialog = new MainDialog({
    kb: options.kb,
    router: options.router ?? new Router(options.kb),
    hours: options.hours,
    now: options.now ?? (() => new Date()),
    facts,
  });
  return {
    bot: new HelpdeskBot(conversationState, dialogState, mainDialog),
    conversationState,
    middleware: [normalizeIncoming, renderReplies, secretGuard],
    facts: (context) => facts.get(context, emptyFacts()),
  };
}

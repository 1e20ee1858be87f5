import { ConversationState, type Middleware, type Storage, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { MainDialog } from '../dialogs/mainDialog';
import { emptyFacts, type TriageFacts } from '../dialogs/triageFacts';
import { HandoffService } from '../handoff/handoffService';
import type { TranscriptLine } from '../handoff/ticket';
import { TicketStore } from '../handoff/ticketStore';
import type { HoursPolicy } from '../helpdesk/businessHours';
import type { KnowledgeBase } from '../knowledge/loader';
import { Router } from '../knowledge/router';
import { createLogger, type Logger } from '../logging';
import { HandoffBridge } from './handoffBridge';
import { HelpdeskBot } from './helpdeskBot';
import { normalizeIncoming, renderReplies, secretGuard } from './middleware';

export interface BotOptions {
  kb: KnowledgeBase;
  storage: Storage;
  hours: HoursPolicy;
  now?: () => Date;
  router?: Router;
  log?: Logger;
}

export interface AssembledBot {
  bot: HelpdeskBot;
  conversationState: ConversationState;
  handoff: HandoffService;
  /** In the order every adapter must use them. */
  middleware: Middleware[];
  facts: (context: TurnContext) => Promise<TriageFacts>;
}

/** Wires state, dialogs, hand-off and middleware; channels only add an adapter. */
export function createBot(options: BotOptions): AssembledBot {
  const now = options.now ?? (() => new Date());
  const conversationState = new ConversationState(options.storage);
  const facts = conversationState.createProperty<TriageFacts>('triageFacts');
  const dialogState = conversationState.createProperty<DialogState>('dialogState');
  const handoff = new HandoffService(new TicketStore(options.storage), options.kb.contact, options.hours, now, options.log ?? createLogger('silent'));
  const bridge = new HandoffBridge(
    handoff,
    conversationState.createProperty<TranscriptLine[]>('transcript'),
    conversationState.createProperty<string | undefined>('handoffTicket'),
    facts,
    now,
  );
  const mainDialog = new MainDialog({
    kb: options.kb,
    router: options.router ?? new Router(options.kb),
    hours: options.hours,
    now,
    facts,
    openHandoff: (context, reason) => bridge.open(context, reason),
  });
  return {
    bot: new HelpdeskBot(conversationState, dialogState, mainDialog, bridge),
    conversationState,
    handoff,
    middleware: [normalizeIncoming, renderReplies, secretGuard],
    facts: (context) => facts.get(context, emptyFacts()),
  };
}

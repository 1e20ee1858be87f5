import type { ConversationReference, Middleware, TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import type { Logger } from '../logging';

/** What every channel needs from the bot: the turn logic and the middleware, in order. */
export interface BotRuntime {
  logic: (context: TurnContext) => Promise<void>;
  middleware: Middleware[];
  log: Logger;
}

/** Something that adds routes to the server. */
export interface Mountable {
  mount(server: Server): void;
}

/**
 * One way users reach the bot (Teams/Bot Framework, Direct Line, Slack, console). Each converts its
 * transport to Activities and back; adding one never touches the bot.
 */
export interface Channel extends Mountable {
  readonly name: string;
  /** Runs `logic` in an existing conversation of this channel, outside the user's turn (hand-off replies). */
  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
  close?(): Promise<void>;
}

/** The reply every channel sends when a turn fails: the user is told, the state is kept. */
export const TURN_ERROR_TEXT = '申し訳ありません。処理中にエラーが発生しました。もう一度お試しいただくか、「担当者」と入力してヘルプデスクの連絡先をご確認ください。';

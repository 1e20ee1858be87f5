import type { Middleware, TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import type { Logger } from '../logging';

/** What every channel needs from the bot: the turn logic and the middleware, in order. */
export interface BotRuntime {
  logic: (context: TurnContext) => Promise<void>;
  middleware: Middleware[];
  log: Logger;
}

/**
 * One way users reach the bot (Teams/Bot Framework, Direct Line, Slack, console). Each converts its
 * transport to Activities and back; adding one never touches the bot.
 */
export interface Channel {
  readonly name: string;
  /** Adds this channel's routes to the server. */
  mount(server: Server): void;
  close?(): Promise<void>;
}

/** The reply every channel sends when a turn fails: the user is told, the state is kept. */
export const TURN_ERROR_TEXT = '申し訳ありません。処理中にエラーが発生しました。もう一度お試しいただくか、「担当者」と入力してヘルプデスクの連絡先をご確認ください。';

import type { App as SlackApp } from '@slack/bolt';
import type { Server } from 'restify';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { bodyGuard } from './bodyGuard';
import { newChatLimit, perAddressLimit, perConversationLimit, RateLimiter, type Clock } from './rateLimit';
import { botFrameworkBodyGuard, slackBodyGuard } from './requestGuards';
import { limitSlackUsers } from './slackLimit';

export { requestContext, requestId, requestLog, pathOf } from './requestContext';
export { BoundedBotFrameworkAuthentication, outgoingPolicy, slackClientOptions } from './outgoing';

export interface ServerLimits {
  perAddress: RateLimiter;
  perConversation: RateLimiter;
  newChats: RateLimiter;
  /** New Direct Line sockets per client address, as many as new chats: every chat opens one. Counted by the stream's upgrade handler. */
  newSockets: RateLimiter;
}

export interface LimitOptions {
  log: Logger;
  /** Monotonic milliseconds for the rate limits (tests move it by hand). */
  clock?: Clock;
  /** Bolt's app when Slack runs over HTTP: its users get the per-conversation budget each. */
  slack?: SlackApp;
}

/**
 * The server's limits, installed after the channels have mounted their routes (so that a 429 on a
 * Direct Line route carries the CORS header the channel's own `pre` handler sets): bodies no route
 * takes (413/415), the per-address limit on every route but /healthz and /metrics, request bodies
 * that would make CloudAdapter or Bolt fail (400), and the per-conversation limit on the routes that
 * run turns (and per Slack user).
 */
export function installLimits(server: Server, config: Config, options: LimitOptions): ServerLimits {
  const limits: ServerLimits = {
    perAddress: new RateLimiter(config.RATE_LIMIT_PER_IP_PER_MINUTE, options.clock),
    perConversation: new RateLimiter(config.RATE_LIMIT_PER_CONVERSATION_PER_MINUTE, options.clock),
    newChats: new RateLimiter(config.RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE, options.clock),
    newSockets: new RateLimiter(config.RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE, options.clock),
  };
  server.pre(perAddressLimit(limits.perAddress, config.TRUST_PROXY_HOPS));
  server.pre(newChatLimit(limits.newChats, config.TRUST_PROXY_HOPS));
  server.pre(bodyGuard(config.MAX_BODY_BYTES));
  // In this order: the bodies are read and checked, then the conversation they name is counted.
  server.use(botFrameworkBodyGuard(config.MAX_BODY_BYTES));
  server.use(slackBodyGuard(config.MAX_BODY_BYTES));
  server.use(perConversationLimit(limits.perConversation));
  if (options.slack) limitSlackUsers(options.slack, limits.perConversation, options.log, options.clock);
  return limits;
}

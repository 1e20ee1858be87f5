import type { App } from '@slack/bolt';
import type { Logger } from '../logging';
import type { Clock, RateLimiter } from './rateLimit';

/** What a Slack user over the limit is told, once a minute at most, visible to them only. */
export const SLACK_RATE_LIMIT_TEXT = (seconds: number) =>
  `メッセージが続けて届いたため、しばらく受け付けを止めています。${seconds}秒ほど待ってから、もう一度お送りください。`;

/** The user (and where to tell them) of a Slack request that would start a turn; undefined for anything else. */
export function slackSender(body: unknown): { team: string; user: string; channel: string; threadTs?: string } | undefined {
  const b = body as Record<string, any> | undefined;
  if (!b || typeof b !== 'object') return undefined;
  if (b.type === 'event_callback' && b.event && typeof b.event === 'object') {
    const e = b.event as Record<string, any>;
    if (typeof e.user !== 'string' || typeof e.channel !== 'string' || e.bot_id !== undefined) return undefined;
    // As the channel handles them: DMs without a subtype, and mentions.
    const turn = (e.type === 'message' && e.subtype === undefined && e.channel_type === 'im') || e.type === 'app_mention';
    if (!turn) return undefined;
    const threadTs = e.type === 'app_mention' ? (e.thread_ts ?? e.ts) : e.thread_ts;
    return { team: String(b.team_id ?? ''), user: e.user, channel: e.channel, ...(typeof threadTs === 'string' ? { threadTs } : {}) };
  }
  if (b.type === 'block_actions' && typeof b.user?.id === 'string' && typeof b.channel?.id === 'string') {
    const threadTs = b.message?.thread_ts;
    return { team: String(b.team?.id ?? ''), user: b.user.id, channel: b.channel.id, ...(typeof threadTs === 'string' ? { threadTs } : {}) };
  }
  return undefined;
}

/**
 * Slack's per-user limit, as Bolt global middleware, so the HTTP answer stays a fast 200 (Slack
 * retries anything else, and turns an app's events off when too many fail): Events API requests
 * are acknowledged before middleware runs, and a button click over the limit is acknowledged here.
 * The message or click over the limit runs no turn, and the user gets an ephemeral notice, at most
 * once a minute. Slack's own retries (x-slack-retry-num) are not counted: the channel drops repeats.
 */
export function limitSlackUsers(app: App, limiter: RateLimiter, log: Logger, now: Clock = () => performance.now()): void {
  const noticeUntil = new Map<string, number>();
  app.use(async (args) => {
    const sender = slackSender(args.body);
    if (!sender || limiter.perMinute <= 0 || args.context.retryNum !== undefined) return args.next();
    const key = `slack:${sender.team}:${sender.user}`;
    const verdict = limiter.take(key);
    if (verdict.allowed) return args.next();
    const ack = (args as { ack?: unknown }).ack;
    if (typeof ack === 'function') await (ack as () => Promise<void>)();
    log.warn({ component: 'slack', limited: 'user', retryAfter: verdict.retryAfterSeconds }, 'slack: rate limited; no turn');
    const at = now();
    if ((noticeUntil.get(key) ?? -Infinity) > at) return;
    noticeUntil.delete(key);
    noticeUntil.set(key, at + 60_000);
    if (noticeUntil.size > 10_000) noticeUntil.delete(noticeUntil.keys().next().value!);
    await args.client.chat
      .postEphemeral({ channel: sender.channel, user: sender.user, text: SLACK_RATE_LIMIT_TEXT(verdict.retryAfterSeconds), ...(sender.threadTs ? { thread_ts: sender.threadTs } : {}) })
      .catch((err: unknown) => log.warn({ err, component: 'slack' }, 'slack: the rate-limit notice could not be posted'));
  });
}

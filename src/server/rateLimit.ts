import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Next, Request, RequestHandler, Response } from 'restify';
import { markLimited, pathOf } from './requestContext';
import { WEBCHAT_TOKEN_PATH } from '../channels/directline/webChatPage';
import { BOT_FRAMEWORK_MESSAGES } from './requestGuards';

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A clock in milliseconds that never goes back (performance.now by default; tests bring their own). */
export type Clock = () => number;

/**
 * Token buckets, one per key: each holds up to `perMinute` tokens (the burst) and refills at
 * perMinute/60 per second; a request takes one. A refused request takes none, so a client that
 * keeps retrying gets through at the refill rate. Memory is bounded: beyond `maxKeys` the least
 * recently used key is forgotten (its bucket is then full again, as it most likely was anyway).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: Clock = () => performance.now(),
    private readonly maxKeys = 50_000,
  ) {}

  take(key: string): Verdict {
    if (this.perMinute <= 0) return { allowed: true };
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    let tokens = bucket ? Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs) : this.perMinute;
    // Re-inserted on every use: the Map's order is then least recently used first.
    if (bucket) this.buckets.delete(key);
    // A hair under 1 is 1: refills in floating point must not refuse the moment Retry-After promised.
    const allowed = tokens >= 1 - 1e-9;
    if (allowed) tokens = Math.max(0, tokens - 1);
    this.buckets.set(key, { tokens, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed ? { allowed } : { allowed, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Keys of any length (conversation ids come from clients) are kept short. */
export function boundedKey(prefix: string, id: string): string {
  return id.length <= 160 ? `${prefix}:${id}` : `${prefix}#${createHash('sha256').update(id).digest('base64url')}`;
}

/**
 * The client's address: the socket's peer, or with `trustedHops` reverse proxies in front, the
 * address that many entries from the right of X-Forwarded-For (what the outermost trusted proxy saw).
 * IPv4-mapped IPv6 is plain IPv4; IPv6 is cut to its /64, which one client usually owns whole.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const peer = normalizeAddress(req.socket?.remoteAddress ?? '') ?? 'unknown';
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
  const chain = [peer, ...forwarded.reverse()];
  return normalizeAddress(chain[Math.min(trustedHops, chain.length - 1)]!) ?? peer;
}

function normalizeAddress(raw: string): string | undefined {
  let address = raw.trim();
  // "[2001:db8::1]:443" and "203.0.113.7:51234", as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.replace(/%.*$/, '');
  if (/^::ffff:\d{1,3}(?:\.\d{1,3}){3}$/i.test(address)) address = address.slice(7);
  const version = isIP(address);
  if (version === 4) return address;
  if (version === 6) return ipv6Prefix64(address);
  return undefined;
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // An embedded IPv4 ("::1.2.3.4") takes two groups.
  const tailLength = tailGroups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailLength)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)))
    .join(':')}::/64`;
}

/** The 429 every limit answers: Retry-After in seconds and a JSON error, like the API's other errors. */
export function tooManyRequests(req: Request, res: Response, retryAfterSeconds: number, limit: string, client?: string): void {
  markLimited(req, limit, client);
  res.setHeader('retry-after', String(retryAfterSeconds));
  res.send(429, { error: { code: 'TooManyRequests', message: `too many requests; retry after ${retryAfterSeconds} s` } });
}

/** Never limited: probes and scrapers must see the server as it is. */
const UNLIMITED_PATHS = new Set(['/healthz', '/metrics']);

/** A `pre` handler: the per-address limit, on every route but the unlimited ones (unrouted requests included). */
export const perAddressLimit = (limiter: RateLimiter, trustedHops: number): RequestHandler =>
  addressLimit(limiter, trustedHops, 'ip', (req) => !UNLIMITED_PATHS.has(pathOf(req.url)));

/** A `pre` handler: the per-address limit on new chats opened through the page's token endpoint. */
export const newChatLimit = (limiter: RateLimiter, trustedHops: number): RequestHandler =>
  addressLimit(limiter, trustedHops, 'new-chats', (req) => req.method === 'POST' && pathOf(req.url) === WEBCHAT_TOKEN_PATH);

/** Counts the requests `applies` picks per client address; a 429's access line names the limit and the client. */
function addressLimit(limiter: RateLimiter, trustedHops: number, name: string, applies: (req: Request) => boolean): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    if (limiter.perMinute <= 0 || !applies(req)) return next();
    const client = clientAddress(req, trustedHops);
    const verdict = limiter.take(`${name}:${client}`);
    if (verdict.allowed) return next();
    tooManyRequests(req, res, verdict.retryAfterSeconds, name, client);
    return next(false);
  };
}

const DIRECT_LINE_ACTIVITIES = '/v3/directline/conversations/:conversationId/activities';

/**
 * A `use` handler (after routing, before the route's handlers): the per-conversation limit on the
 * routes that run turns. Direct Line: the conversation in the URL. /api/messages: the activity's
 * channel and conversation, from the body `botFrameworkBodyGuard` parsed just before. Requests
 * without a conversation are left to the route to refuse.
 */
export function perConversationLimit(limiter: RateLimiter): RequestHandler {
  const check = (req: Request, res: Response, next: Next, key: string | undefined) => {
    if (key === undefined) return next();
    const verdict = limiter.take(key);
    if (verdict.allowed) return next();
    tooManyRequests(req, res, verdict.retryAfterSeconds, 'conversation');
    return next(false);
  };
  return (req: Request, res: Response, next: Next) => {
    if (limiter.perMinute <= 0 || req.method !== 'POST') return next();
    const route = (req.getRoute?.() as { path?: unknown } | undefined)?.path;
    if (route === DIRECT_LINE_ACTIVITIES) {
      const id = (req.params as { conversationId?: unknown } | undefined)?.conversationId;
      return check(req, res, next, typeof id === 'string' && id ? boundedKey('directline', id) : undefined);
    }
    if (route !== BOT_FRAMEWORK_MESSAGES) return next();
    const body = req.body as { channelId?: unknown; conversation?: { id?: unknown } } | undefined;
    const id = body && typeof body === 'object' ? body.conversation?.id : undefined;
    const channel = typeof body?.channelId === 'string' ? body.channelId : '';
    return check(req, res, next, typeof id === 'string' && id ? boundedKey(`bf:${channel.slice(0, 40)}`, id) : undefined);
  };
}

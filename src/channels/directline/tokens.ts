import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Direct Line tokens: an HMAC-signed claim binding one conversation until an expiry. No state is
 * needed to check one, so any instance (or a restarted one) with the same secret accepts it.
 */
export interface TokenClaims {
  /** Conversation id. */
  c: string;
  /** Expiry, seconds since the epoch. */
  e: number;
}

/**
 * A stream token (the `t` of a streamUrl): it opens the conversation's WebSocket until `e`, soon
 * after it is issued, and that socket stays open until `u`, the expiry of the conversation token
 * handed out with it. It travels in a URL (proxies may log those), so it is good for nothing else.
 */
export interface StreamClaims extends TokenClaims {
  /** When the socket it opened closes (unless the conversation's token is refreshed), seconds since the epoch. */
  u: number;
}

/** How long a streamUrl may be used to connect, in seconds. */
export const STREAM_CONNECT_SECONDS = 60;

export class TokenSigner {
  constructor(
    private readonly secret: string,
    readonly lifetimeSeconds = 1800,
    private readonly now: () => number = Date.now,
  ) {}

  issue(conversationId: string): { token: string; expires_in: number } {
    return { token: this.sign({ c: conversationId, e: this.seconds() + this.lifetimeSeconds }), expires_in: this.lifetimeSeconds };
  }

  /** A stream token for the conversation; its socket lasts as long as a token issued now. */
  issueStream(conversationId: string): string {
    const now = this.seconds();
    const claims: StreamClaims = { c: conversationId, e: now + Math.min(STREAM_CONNECT_SECONDS, this.lifetimeSeconds), u: now + this.lifetimeSeconds };
    return this.sign(claims);
  }

  /** The claims of a valid, unexpired conversation token; undefined for anything else (stream tokens included). */
  verify(token: string): TokenClaims | undefined {
    const claims = this.claimsOf(token);
    return claims && claims.u === undefined ? { c: claims.c, e: claims.e } : undefined;
  }

  /** The claims of a valid stream token that may still connect; undefined for anything else. */
  verifyStream(token: string): StreamClaims | undefined {
    const claims = this.claimsOf(token);
    return claims && typeof claims.u === 'number' ? (claims as StreamClaims) : undefined;
  }

  /** True when the text is the shared secret (compared in constant time). */
  isSecret(text: string): boolean {
    const a = Buffer.from(text);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private claimsOf(token: string): (TokenClaims & { u?: unknown }) | undefined {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.hmac(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TokenClaims> & { u?: unknown };
      if (typeof claims.c !== 'string' || typeof claims.e !== 'number') return undefined;
      return claims.e * 1000 > this.now() ? (claims as TokenClaims & { u?: unknown }) : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(claims: TokenClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.hmac(payload)}`;
  }

  private hmac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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

export class TokenSigner {
  constructor(
    private readonly secret: string,
    readonly lifetimeSeconds = 1800,
    private readonly now: () => number = Date.now,
  ) {}

  issue(conversationId: string): { token: string; expires_in: number } {
    const claims: TokenClaims = { c: conversationId, e: Math.floor(this.now() / 1000) + this.lifetimeSeconds };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, expires_in: this.lifetimeSeconds };
  }

  /** The claims of a valid, unexpired token; undefined for anything else. */
  verify(token: string): TokenClaims | undefined {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TokenClaims>;
      if (typeof claims.c !== 'string' || typeof claims.e !== 'number') return undefined;
      return claims.e * 1000 > this.now() ? (claims as TokenClaims) : undefined;
    } catch {
      return undefined;
    }
  }

  /** True when the text is the shared secret (compared in constant time). */
  isSecret(text: string): boolean {
    const a = Buffer.from(text);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

export const generateSecret = () => randomBytes(32).toString('base64url');

import type * as OpenIdClient from 'openid-client';
import type { SignedInAgent } from './sessions';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Each list that is not empty must be met: a tenant (`tid`), a group (`groups`), a mail domain. */
  allowedTenants: string[];
  allowedGroups: string[];
  allowedDomains: string[];
}

/** The claims of an ID token that sign-in reads (Microsoft Entra ID's names). */
export interface IdClaims {
  sub: string;
  oid?: unknown;
  tid?: unknown;
  name?: unknown;
  email?: unknown;
  preferred_username?: unknown;
  upn?: unknown;
  groups?: unknown;
  _claim_names?: unknown;
}

/** A person the identity provider knows but this helpdesk does not let in; the message is for them. */
export class SignInRefused extends Error {}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * The agent an ID token names, when its tenant, groups and mail domain are all allowed; else
 * SignInRefused. The mail domain is read from `email`, else `preferred_username` / `upn` (Entra's
 * sign-in name), compared without case.
 */
export function agentFromClaims(claims: IdClaims, settings: Pick<OidcSettings, 'allowedTenants' | 'allowedGroups' | 'allowedDomains'>): SignedInAgent {
  const mail = text(claims.email) ?? text(claims.preferred_username) ?? text(claims.upn);
  if (settings.allowedTenants.length > 0 && !settings.allowedTenants.includes(text(claims.tid) ?? '')) {
    throw new SignInRefused('このアカウントの組織（テナント）はヘルプデスクの利用を許可されていません。');
  }
  if (settings.allowedGroups.length > 0) {
    // Entra leaves `groups` out for members of very many groups and names a Graph query instead; we do not query Graph.
    if (claims.groups === undefined && claims._claim_names) throw new SignInRefused('所属グループが多すぎるため確認できませんでした。管理者にお問い合わせください。');
    const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string') : [];
    if (!groups.some((g) => settings.allowedGroups.includes(g))) throw new SignInRefused('このアカウントはヘルプデスクのグループに所属していません。');
  }
  if (settings.allowedDomains.length > 0) {
    const domain = mail?.split('@')[1]?.toLowerCase();
    if (!domain || !settings.allowedDomains.includes(domain)) throw new SignInRefused('このメールアドレスのドメインはヘルプデスクの利用を許可されていません。');
  }
  return { id: text(claims.oid) ?? claims.sub, name: text(claims.name) ?? mail ?? claims.sub };
}

/**
 * A sign-in on its way through the identity provider. It travels in the browser's own HttpOnly cookie
 * rather than the store, so that visitors who never come back leave nothing behind. It needs no
 * signature: it only ever checks the answer that comes back to the same browser, and a changed one
 * fails that check.
 */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  /** Where to go once signed in: a /helpdesk path (checked again when used). */
  next: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const SIGN_IN_MINUTES = 10;

export const encodePending = (pending: PendingSignIn) => Buffer.from(JSON.stringify(pending), 'utf8').toString('base64url');

/** The pending sign-in of a cookie's value, while it is whole and has not expired; else undefined. */
export function decodePending(value: string, now: Date): PendingSignIn | undefined {
  try {
    const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
    const strings = [p.state, p.nonce, p.codeVerifier, p.redirectUri, p.next].every((v) => typeof v === 'string' && v.length > 0 && v.length <= 2000);
    return strings && typeof p.expiresAt === 'number' && p.expiresAt > now.getTime() ? (p as PendingSignIn) : undefined;
  } catch {
    return undefined;
  }
}

/** Plain http is accepted only for an issuer on this machine (a local test provider). */
export const isLoopbackHttp = (url: URL) => url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/**
 * OpenID Connect sign-in (authorization code with PKCE, a nonce and a state) through openid-client.
 * The provider's metadata is fetched at the first sign-in and kept; a failed fetch is tried again
 * at the next one.
 */
export class OidcSignIn {
  private configuration?: Promise<OpenIdClient.Configuration>;

  constructor(private readonly settings: OidcSettings) {}

  /** Where to send the browser, and what the callback must check. */
  async start(redirectUri: string): Promise<{ url: URL; state: string; nonce: string; codeVerifier: string }> {
    const oidc = await this.library();
    const config = await this.config();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier };
  }

  /** Exchanges the callback's code; the ID token's claims, checked for issuer, audience, nonce and state. */
  async finish(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<IdClaims> {
    const oidc = await this.library();
    const tokens = await oidc.authorizationCodeGrant(await this.config(), callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the identity provider returned no ID token');
    return claims as IdClaims;
  }

  private config(): Promise<OpenIdClient.Configuration> {
    this.configuration ??= (async () => {
      const oidc = await this.library();
      const issuer = new URL(this.settings.issuer);
      return oidc.discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined);
    })();
    this.configuration.catch(() => (this.configuration = undefined));
    return this.configuration;
  }

  // Loaded only when OIDC is configured: it is an ES module (required from CommonJS, Node ≥ 20.19).
  private library(): Promise<typeof OpenIdClient> {
    return import('openid-client');
  }
}

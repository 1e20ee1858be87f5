import { OAuth2Server } from 'oauth2-mock-server';
import type { BrowserContext, Page } from 'playwright-core';
import { CSRF_HEADER } from '../../src/helpdeskAuth';

// Signing in to the helpdesk's pages (the console, the dashboard) in tests and benches: over HTTP with
// the token or through a local OpenID provider, and in the browser from the keyboard. No vitest here,
// so that a bench can sign in too: what goes wrong is thrown.

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`helpdesk sign-in: ${what}`);
}

/** `name=value` of the first Set-Cookie named `name`. */
export const cookiePair = (setCookies: string[], name: string) => setCookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];

/** Signs in with HELPDESK_API_TOKEN as the sign-in form posts it; the session cookie (`name=value`). */
export async function tokenSignIn(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/helpdesk/signin`, { method: 'POST', redirect: 'manual', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  check(res.status === 303, `the token sign-in answered ${res.status}`);
  return cookiePair(res.headers.getSetCookie(), 'helpdesk_session')!;
}

/** A signed-in agent: the headers of their reads, and of their writes (with the CSRF token the page would send). */
export interface AgentSession {
  cookie: string;
  csrf: string;
  read: Record<string, string>;
  write: Record<string, string>;
}

/** The session behind `cookie`, with its CSRF token as the console's page hands it to its script. */
export async function agentSession(base: string, cookie: string): Promise<AgentSession> {
  const page = await fetch(`${base}/helpdesk`, { headers: { cookie }, redirect: 'manual' });
  check(page.status === 200, `the console's page answered ${page.status}`);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())![1]!;
  return { cookie, csrf, read: { cookie }, write: { cookie, [CSRF_HEADER]: csrf } };
}

/**
 * A real local OpenID provider (oauth2-mock-server: discovery, JWKS, signed ID tokens, PKCE). It
 * answers every authorize at once, for the person last set with `signsIn` (claims as Entra puts them).
 */
export async function startOidcProvider(): Promise<{ issuer: string; signsIn(claims: Record<string, unknown>): void; stop(): Promise<void> }> {
  const provider = new OAuth2Server();
  let person: Record<string, unknown> = {};
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  provider.service.on('beforeTokenSigning', (token) => Object.assign(token.payload, person));
  return {
    issuer: provider.issuer.url!,
    signsIn: (claims) => (person = claims),
    stop: () => provider.stop(),
  };
}

/** The settings of a server that signs agents in through `issuer` (the tenant `tenant-careplan` allowed). */
export const oidcEnv = (issuer: string) => ({
  HELPDESK_OIDC_ISSUER: issuer,
  HELPDESK_OIDC_CLIENT_ID: 'helpdesk-console',
  HELPDESK_OIDC_CLIENT_SECRET: 'client-secret-of-the-test',
  HELPDESK_OIDC_ALLOWED_TENANTS: 'tenant-careplan',
});

/** A browser's way through the OIDC sign-in, over HTTP: our start, the provider's authorize, our callback. The session cookie. */
export async function oidcSignIn(base: string, provider: { signsIn(claims: Record<string, unknown>): void }, claims: Record<string, unknown>): Promise<string> {
  provider.signsIn({ tid: 'tenant-careplan', ...claims });
  const start = await fetch(`${base}/helpdesk/signin/oidc`, { redirect: 'manual' });
  const pending = cookiePair(start.headers.getSetCookie(), 'helpdesk_signin')!;
  const back = new URL((await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!);
  const done = await fetch(`${base}${back.pathname}${back.search}`, { headers: { cookie: pending }, redirect: 'manual' });
  check(done.status === 200, `the OIDC callback answered ${done.status}`);
  return cookiePair(done.headers.getSetCookie(), 'helpdesk_session')!;
}

/** Opens `path` signed out, is sent to the sign-in, and signs in with the token from the keyboard alone (type, Enter). */
export async function signInWithKeyboard(context: BrowserContext, page: Page, base: string, path: string, token: string): Promise<void> {
  await context.clearCookies();
  await page.goto(`${base}${path}`);
  check(new URL(page.url()).pathname === '/helpdesk/signin', `${path} did not send a visitor to the sign-in`);
  // The token field has the focus (autofocus, applied once the page has rendered).
  await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { id?: string } | null } }).document.activeElement?.id === 'token');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}${path}`);
}

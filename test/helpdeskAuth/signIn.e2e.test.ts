import type { Request, Response } from 'restify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/helpdeskAuth';
import { cookiePair, oidcEnv, startOidcProvider } from '../support/helpdeskSignIn';
import { startApp, type RunningApp } from '../support/server';

// Sign-in to the helpdesk's pages over real HTTP: the token sign-in (no OIDC configured) and
// OpenID Connect against oauth2-mock-server, a real local provider (discovery, JWKS, signed ID tokens,
// PKCE). The protected routes are mounted the way the console and the dashboard mount theirs.

const TOKEN = 'helpdesk-test-token-0123456789';
const T0 = new Date('2026-11-19T10:00:00+09:00');

/** A page, an API read and an API write behind the sign-in, answering who is signed in. */
function mountProbe(running: RunningApp) {
  const { server, helpdeskAuth } = running.app;
  // A page hands its script the session's CSRF token (the dashboard: in a meta tag).
  server.get('/helpdesk/probe', helpdeskAuth.page, async (req: Request, res: Response) => {
    const session = await helpdeskAuth.sessionOf(req);
    res.send(200, { page: (await helpdeskAuth.signedInAgent(req))?.name, csrf: session?.csrfToken });
  });
  server.get('/helpdesk/api/probe', ...helpdeskAuth.api, async (req: Request, res: Response) => {
    res.send(200, { agent: await helpdeskAuth.signedInAgent(req) });
  });
  server.post('/helpdesk/api/probe', ...helpdeskAuth.api, async (_req: Request, res: Response) => {
    res.send(200, { changed: true });
  });
}

/** fetch without following redirects, with a cookie jar of one. */
async function call(base: string, path: string, init: { method?: string; cookie?: string; headers?: Record<string, string>; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(`${base}${path}`, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), setCookies: res.headers.getSetCookie(), text: await res.text() };
}

describe('token sign-in (no OIDC configured)', () => {
  let running: RunningApp;
  let base: string;
  let clock = T0;
  beforeAll(async () => {
    running = await startApp({ HELPDESK_API_TOKEN: TOKEN, HELPDESK_SESSION_HOURS: '8', TRUST_PROXY_HOPS: '1' }, () => clock);
    mountProbe(running);
    base = running.base;
  });
  afterAll(() => running?.close());

  const signIn = async (headers: Record<string, string> = { origin: base }) => call(base, '/helpdesk/signin', { headers, form: { token: TOKEN, next: '/helpdesk/probe' } });

  it('sends a visitor to the sign-in page, and answers the API with 401 and no data', async () => {
    const page = await call(base, '/helpdesk/probe?view=1');
    expect(page.status).toBe(302);
    expect(page.location).toBe(`/helpdesk/signin?next=${encodeURIComponent('/helpdesk/probe?view=1')}`);
    const form = await call(base, page.location!);
    expect(form.status).toBe(200);
    expect(form.text).toContain('ヘルプデスク API トークン');
    expect(form.text).toContain('type="password"');

    const api = await call(base, '/helpdesk/api/probe');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toEqual({ error: 'サインインしてください。' });
  });

  it('refuses a wrong token without echoing it, and a form posted from another site', async () => {
    const wrong = await call(base, '/helpdesk/signin', { headers: { origin: base }, form: { token: 'not-the-token-0123456789', next: '/helpdesk/probe' } });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('トークンが正しくありません。');
    expect(wrong.text).not.toContain('not-the-token');
    expect(wrong.setCookies).toEqual([]);

    const elsewhere = await signIn({ origin: 'https://evil.example' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.setCookies).toEqual([]);
    expect((await signIn({})).status).toBe(403);
  });

  it('signs in with the token under the configured name; the session cookie is HttpOnly and SameSite=Strict', async () => {
    const res = await signIn();
    expect(res.status).toBe(303);
    expect(res.location).toBe('/helpdesk/probe');
    expect(res.setCookies).toHaveLength(1);
    const attributes = res.setCookies[0]!.split('; ');
    expect(attributes[0]).toMatch(/^helpdesk_session=[A-Za-z0-9_-]{43}$/);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${8 * 3600}`]));
    expect(attributes).not.toContain('Secure'); // plain http, no proxy saying https

    const cookie = attributes[0]!;
    expect(JSON.parse((await call(base, '/helpdesk/probe', { cookie })).text)).toEqual({ page: 'ヘルプデスク', csrf: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(JSON.parse((await call(base, '/helpdesk/api/probe', { cookie })).text)).toEqual({ agent: { id: 'token', name: 'ヘルプデスク' } });
    // Signed in already: the sign-in page moves on.
    expect((await call(base, '/helpdesk/signin?next=/helpdesk/probe', { cookie })).location).toBe('/helpdesk/probe');
  });

  it('behind a trusted https proxy the cookie is Secure and __Host- prefixed, and read back only over https', async () => {
    const res = await signIn({ origin: `https://${new URL(base).host}`, 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(303);
    const attributes = res.setCookies[0]!.split('; ');
    expect(attributes[0]).toMatch(/^__Host-helpdesk_session=/);
    expect(attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/']));
    const cookie = attributes[0]!;
    expect((await call(base, '/helpdesk/api/probe', { cookie, headers: { 'x-forwarded-proto': 'https' } })).status).toBe(200);
    expect((await call(base, '/helpdesk/api/probe', { cookie })).status).toBe(401);
  });

  it('refuses a state-changing request without the session CSRF token, or with another', async () => {
    const cookie = cookiePair((await signIn()).setCookies, 'helpdesk_session')!;
    const other = cookiePair((await signIn()).setCookies, 'helpdesk_session')!;
    const csrfOf = async (c: string) => (JSON.parse((await call(base, '/helpdesk/probe', { cookie: c })).text) as { csrf: string }).csrf;
    const none = await call(base, '/helpdesk/api/probe', { method: 'POST', cookie });
    expect(none.status).toBe(403);
    expect(none.text).toContain('CSRF');
    expect((await call(base, '/helpdesk/api/probe', { method: 'POST', cookie, headers: { [CSRF_HEADER]: await csrfOf(other) } })).status).toBe(403);
    const ok = await call(base, '/helpdesk/api/probe', { method: 'POST', cookie, headers: { [CSRF_HEADER]: await csrfOf(cookie) } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ changed: true });
    // Reads need no token.
    expect((await call(base, '/helpdesk/api/probe', { cookie })).status).toBe(200);
  });

  it('refuses a forged cookie and an expired session', async () => {
    expect((await call(base, '/helpdesk/api/probe', { cookie: 'helpdesk_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(401);
    expect((await call(base, '/helpdesk/probe', { cookie: 'helpdesk_session=../../etc' })).status).toBe(302);
    const cookie = cookiePair((await signIn()).setCookies, 'helpdesk_session')!;
    clock = new Date(T0.getTime() + 8 * 3600_000 - 1000);
    expect((await call(base, '/helpdesk/api/probe', { cookie })).status).toBe(200);
    clock = new Date(T0.getTime() + 8 * 3600_000 + 1000);
    expect((await call(base, '/helpdesk/api/probe', { cookie })).status).toBe(401);
    expect((await call(base, '/helpdesk/probe', { cookie })).status).toBe(302);
    clock = T0;
  });

  it('signs out with the CSRF token from the page; the session is gone', async () => {
    const cookie = cookiePair((await signIn()).setCookies, 'helpdesk_session')!;
    expect((await call(base, '/helpdesk/signout', { cookie, form: {} })).status).toBe(403);
    const { csrf } = JSON.parse((await call(base, '/helpdesk/probe', { cookie })).text) as { csrf: string };
    const out = await call(base, '/helpdesk/signout', { cookie, form: { csrf } });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/helpdesk/signin');
    expect(out.setCookies[0]).toMatch(/^helpdesk_session=; .*Max-Age=0/);
    expect((await call(base, '/helpdesk/api/probe', { cookie })).status).toBe(401);
  });

  it('the REST API keeps its bearer token: a session cookie does not open it', async () => {
    const cookie = cookiePair((await signIn()).setCookies, 'helpdesk_session')!;
    expect((await call(base, '/api/handoffs', { cookie })).status).toBe(401);
    expect((await call(base, '/api/handoffs', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('sends a sign-in back only to a helpdesk page', async () => {
    for (const next of ['https://evil.example/', '//evil.example/helpdesk', '/api/handoffs', '/helpdesk\\@evil']) {
      const res = await call(base, '/helpdesk/signin', { headers: { origin: base }, form: { token: TOKEN, next } });
      expect(res.location, next).toBe('/helpdesk');
    }
  });
});

describe('Microsoft Entra ID sign-in (OpenID Connect against oauth2-mock-server)', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let running: RunningApp;
  let base: string;

  beforeAll(async () => {
    provider = await startOidcProvider();
    running = await startApp({ HELPDESK_API_TOKEN: TOKEN, ...oidcEnv(provider.issuer), HELPDESK_OIDC_ALLOWED_DOMAINS: 'careplan.example.jp' });
    mountProbe(running);
    base = running.base;
  });
  afterAll(async () => {
    await running?.close();
    await provider?.stop();
  });

  /** The browser's way through: our start, the provider's authorize, our callback. */
  async function signInAs(claims: Record<string, unknown>) {
    // Claims as Entra puts them in the ID token.
    provider.signsIn(claims);
    const start = await call(base, '/helpdesk/signin/oidc?next=/helpdesk/probe');
    expect(start.status).toBe(302);
    const authorize = new URL(start.location!);
    expect(authorize.origin).toBe(new URL(provider.issuer).origin);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/helpdesk/auth/callback`);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const pending = cookiePair(start.setCookies, 'helpdesk_signin')!;
    expect(start.setCookies[0]).toContain('SameSite=Lax');
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    return { callback, pending, done: await call(base, `${callback.pathname}${callback.search}`, { cookie: pending }) };
  }

  it('the sign-in page offers Microsoft, not the token', async () => {
    const page = await call(base, '/helpdesk/signin');
    expect(page.text).toContain('Microsoft アカウントでサインイン');
    expect(page.text).not.toContain('type="password"');
    expect((await call(base, '/helpdesk/signin', { headers: { origin: base }, form: { token: TOKEN } })).status).toBe(400);
  });

  it('signs in a member of the allowed tenant and domain under the name from the ID token', async () => {
    const { done, pending, callback } = await signInAs({ tid: 'tenant-careplan', oid: 'oid-sato', name: '佐藤 花子', preferred_username: 'h.sato@CarePlan.example.jp' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('<meta http-equiv="refresh" content="0;url=/helpdesk/probe">');
    const session = done.setCookies.find((c) => c.startsWith('helpdesk_session='))!;
    expect(session).toContain('SameSite=Strict');
    expect(session).toContain('HttpOnly');
    const cookie = session.split(';')[0]!;
    expect(JSON.parse((await call(base, '/helpdesk/api/probe', { cookie })).text)).toEqual({ agent: { id: 'oid-sato', name: '佐藤 花子' } });
    // The callback is good once.
    expect((await call(base, `${callback.pathname}${callback.search}`, { cookie: pending })).status).toBe(400);
  });

  it('refuses a user of another tenant, and one of the tenant with a mail domain not allowed', async () => {
    const stranger = await signInAs({ tid: 'tenant-other', oid: 'oid-x', name: 'Stranger', email: 'x@careplan.example.jp' });
    expect(stranger.done.status).toBe(403);
    expect(stranger.done.text).toContain('このアカウントの組織（テナント）はヘルプデスクの利用を許可されていません。');
    expect(stranger.done.setCookies.some((c) => c.startsWith('helpdesk_session='))).toBe(false);

    const guest = await signInAs({ tid: 'tenant-careplan', oid: 'oid-g', name: 'Guest', email: 'guest@gmail.example' });
    expect(guest.done.status).toBe(403);
    expect(guest.done.text).toContain('ドメインはヘルプデスクの利用を許可されていません');
  });

  it('refuses a callback without its sign-in cookie, or with a state of another sign-in', async () => {
    const { callback } = await signInAs({ tid: 'tenant-careplan', oid: 'oid-1', name: 'A', email: 'a@careplan.example.jp' });
    expect((await call(base, `${callback.pathname}${callback.search}`)).status).toBe(400);
    expect((await call(base, `${callback.pathname}${callback.search}`, { cookie: 'helpdesk_signin=not-a-sign-in' })).status).toBe(400);
    const second = await call(base, '/helpdesk/signin/oidc');
    const tampered = new URL(callback);
    const other = await signInAs({ tid: 'tenant-careplan', oid: 'oid-2', name: 'B', email: 'b@careplan.example.jp' });
    tampered.searchParams.set('state', 'forged-state');
    const forged = await call(base, `${tampered.pathname}${tampered.search}`, { cookie: cookiePair(second.setCookies, 'helpdesk_signin')! });
    expect(forged.status).toBe(400);
    expect(forged.setCookies.some((c) => c.startsWith('helpdesk_session='))).toBe(false);
    expect(other.done.status).toBe(200);
  });
});

describe('an identity provider that cannot be reached', () => {
  it('answers the sign-in with a clear 502 page, and no session', async () => {
    const running = await startApp({
      HELPDESK_OIDC_ISSUER: 'http://127.0.0.1:9/unreachable',
      HELPDESK_OIDC_CLIENT_ID: 'helpdesk-console',
      HELPDESK_OIDC_CLIENT_SECRET: 'client-secret-of-the-test',
      HELPDESK_OIDC_ALLOWED_TENANTS: 'tenant-careplan',
    });
    try {
      const res = await call(running.base, '/helpdesk/signin/oidc?next=/helpdesk/dashboard');
      expect(res.status).toBe(502);
      expect(res.text).toContain('サインインサービスに接続できませんでした。');
      expect(res.setCookies).toEqual([]);
    } finally {
      await running.close();
    }
  });
});

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Storage } from 'botbuilder';
import { plugins, type Next, type Request, type RequestHandler, type Response, type Server } from 'restify';
import type { Logger } from '../logging';
import { agentFromClaims, decodePending, encodePending, OidcSignIn, SIGN_IN_MINUTES, SignInRefused, type OidcSettings } from './oidc';
import { escapeHtml, sendPage } from './pages';
import { sameSecret } from '../safety/bearerToken';
import { SessionStore, type Session, type SignedInAgent } from './sessions';

export { escapeHtml, pageHeader, sendPage, serveFiles } from './pages';
export type { SignedInAgent } from './sessions';

export const SIGN_IN_PATH = '/helpdesk/signin';
const OIDC_START_PATH = '/helpdesk/signin/oidc';
/** Register `https://<host>/helpdesk/auth/callback` as the app's redirect URI. */
export const OIDC_CALLBACK_PATH = '/helpdesk/auth/callback';
const SIGN_OUT_PATH = '/helpdesk/signout';
const STYLESHEET_PATH = '/helpdesk/assets/helpdesk.css';
/** The CSRF token travels in this header (fetch) or in a form's `csrf` field. */
export const CSRF_HEADER = 'x-csrf-token';

const SIGN_IN_COOKIE = 'helpdesk_signin';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface HelpdeskAuthOptions {
  storage: Storage;
  /** When set, the only way in; else the token sign-in. */
  oidc?: OidcSettings;
  /** HELPDESK_API_TOKEN: the token sign-in's secret (without OIDC). */
  apiToken: string;
  /** The name agents who signed in with the token go by (the token names no person). */
  tokenAgentName: string;
  sessionHours: number;
  trustProxyHops: number;
  maxBodyBytes: number;
  now: () => Date;
  log: Logger;
}

/**
 * Sign-in for the helpdesk's pages (the console, the dashboard): Microsoft Entra ID through OpenID
 * Connect when configured, else HELPDESK_API_TOKEN. A session is an opaque id in an HttpOnly,
 * SameSite=Strict cookie (Secure, and named `__Host-…`, over https), kept server-side in the bot's
 * Storage with an expiry. Every state-changing request must carry the session's CSRF token.
 *
 * For the routes of other modules:
 * - `signedInAgent(req)`: the agent, or null;
 * - `page`: before a page's handler; not signed in → 302 to the sign-in page;
 * - `api`: before an API's handler (body parsed); not signed in → 401 with no data; a POST, PUT,
 *   PATCH or DELETE without the session's CSRF token → 403.
 */
export class HelpdeskAuth {
  readonly sessions: SessionStore;
  private readonly oidc?: OidcSignIn;
  /** One lookup per request, however many handlers ask. */
  private readonly looked = new WeakMap<IncomingMessage, Promise<Session | null>>();
  private readonly stylesheet = readFileSync(join(__dirname, 'public', 'helpdesk.css'));

  constructor(private readonly options: HelpdeskAuthOptions) {
    this.sessions = new SessionStore(options.storage, options.now, options.sessionHours * 60);
    this.oidc = options.oidc ? new OidcSignIn(options.oidc) : undefined;
  }

  /** The agent signed in on this request, or null (no cookie, an unknown or expired session). */
  async signedInAgent(req: IncomingMessage): Promise<SignedInAgent | null> {
    return (await this.sessionOf(req))?.agent ?? null;
  }

  /** The whole session (its CSRF token, for a page to hand to its script), or null. */
  sessionOf(req: IncomingMessage): Promise<Session | null> {
    let found = this.looked.get(req);
    if (!found) {
      const id = cookies(req)[this.sessionCookie(req)];
      found = id ? this.sessions.get(id).then((s) => s ?? null) : Promise.resolve(null);
      this.looked.set(req, found);
    }
    return found;
  }

  /** Whether the session behind the request's cookie still stands, looked up anew: a stream outlives its request's first look. */
  async stillSignedIn(req: IncomingMessage): Promise<boolean> {
    const id = cookies(req)[this.sessionCookie(req)];
    return id !== undefined && (await this.sessions.get(id)) !== undefined;
  }

  /** For pages: a visitor who is not signed in is sent to sign in, and comes back here after. */
  readonly page: RequestHandler = guard(async (req, res) => {
    if (await this.sessionOf(req)) return true;
    res.writeHead(302, { location: `${SIGN_IN_PATH}?next=${encodeURIComponent(safeNext(req.url))}`, 'cache-control': 'no-store' });
    res.end();
    return false;
  });

  /** For APIs: 401 without a session (before any body is read); 403 for a state-changing request without its CSRF token. */
  get api(): RequestHandler[] {
    const signedIn = guard(async (req, res) => {
      if (await this.sessionOf(req)) return true;
      res.send(401, { error: 'サインインしてください。' });
      return false;
    });
    const csrf = guard(async (req, res) => {
      if (SAFE_METHODS.has(req.method ?? '') || this.csrfMatches(req, (await this.sessionOf(req))!)) return true;
      res.send(403, { error: 'CSRF トークンがないか、正しくありません。ページを再読み込みしてください。' });
      return false;
    });
    return [signedIn, ...plugins.bodyParser({ maxBodySize: this.options.maxBodyBytes, mapParams: false }), csrf];
  }

  mount(server: Server): void {
    const form = plugins.bodyParser({ maxBodySize: this.options.maxBodyBytes, mapParams: false });
    server.get(STYLESHEET_PATH, async (_req: Request, res: Response) => {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'content-length': this.stylesheet.length, 'cache-control': 'no-cache' });
      res.end(this.stylesheet);
    });
    server.get(SIGN_IN_PATH, async (req: Request, res: Response) => {
      const next = safeNext(query(req).next);
      if (await this.sessionOf(req)) return redirect(res, next);
      this.signInPage(res, 200, next);
    });
    server.post(SIGN_IN_PATH, ...form, async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      // A form of ours: a page elsewhere must not sign a visitor in (with a token it knows) behind their back.
      if (!sameOrigin(req)) return this.signInPage(res, 403, next, 'このページからサインインしてください。');
      if (this.oidc) return this.signInPage(res, 400, next, 'Microsoft アカウントでサインインしてください。');
      if (typeof body.token !== 'string' || !sameSecret(body.token.trim(), this.options.apiToken)) {
        this.log(req).warn('helpdesk sign-in refused: wrong token');
        return this.signInPage(res, 401, next, 'トークンが正しくありません。');
      }
      await this.startSession(req, res, { id: 'token', name: this.options.tokenAgentName });
      redirect(res, next);
    });
    server.get(OIDC_START_PATH, async (req: Request, res: Response) => {
      const next = safeNext(query(req).next);
      if (!this.oidc) return redirect(res, `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`);
      let started;
      const redirectUri = `${this.origin(req)}${OIDC_CALLBACK_PATH}`;
      try {
        started = await this.oidc.start(redirectUri);
      } catch (err) {
        this.log(req).error({ err }, 'helpdesk sign-in: the identity provider cannot be reached');
        return this.signInPage(res, 502, next, 'サインインサービスに接続できませんでした。しばらくしてからもう一度お試しください。');
      }
      const { url, ...checks } = started;
      const pending = encodePending({ ...checks, redirectUri, next, expiresAt: this.options.now().getTime() + SIGN_IN_MINUTES * 60_000 });
      // Lax, not Strict: the provider's redirect back here is a cross-site navigation, which must carry it.
      res.writeHead(302, { location: url.href, 'set-cookie': this.cookie(req, SIGN_IN_COOKIE, pending, { path: OIDC_CALLBACK_PATH, sameSite: 'Lax', maxAge: SIGN_IN_MINUTES * 60 }), 'cache-control': 'no-store' });
      res.end();
    });
    server.get(OIDC_CALLBACK_PATH, async (req: Request, res: Response) => {
      const clearSignIn = this.cookie(req, SIGN_IN_COOKIE, '', { path: OIDC_CALLBACK_PATH, sameSite: 'Lax', maxAge: 0 });
      const pendingCookie = cookies(req)[SIGN_IN_COOKIE];
      const pending = pendingCookie ? decodePending(pendingCookie, this.options.now()) : undefined;
      if (!this.oidc || !pending) return this.signInPage(res, 400, '/helpdesk', 'サインインの有効期限が切れたか、別のブラウザーで始められました。もう一度サインインしてください。', clearSignIn);
      const params = new URL(req.url ?? '', 'http://callback').searchParams;
      const next = safeNext(pending.next);
      if (params.has('error')) return this.signInPage(res, 403, next, 'サインインが取り消されたか、許可されませんでした。', clearSignIn);
      let agent: SignedInAgent;
      try {
        const claims = await this.oidc.finish(new URL(`${pending.redirectUri}?${params}`), pending);
        agent = agentFromClaims(claims, this.options.oidc!);
      } catch (err) {
        if (err instanceof SignInRefused) {
          this.log(req).warn('helpdesk sign-in refused: tenant, group or mail domain not allowed');
          return this.signInPage(res, 403, next, err.message, clearSignIn);
        }
        this.log(req).warn({ err }, 'helpdesk sign-in failed at the identity provider');
        return this.signInPage(res, 400, next, 'サインインを確認できませんでした。もう一度サインインしてください。', clearSignIn);
      }
      const sessionCookie = await this.startSession(req, res, agent, false);
      // A redirect here would still belong to the provider's cross-site navigation, which carries no
      // SameSite=Strict cookie: the page moves on by itself, as a navigation of our own site.
      sendPage(res, 200, {
        title: 'サインインしました',
        head: `<meta http-equiv="refresh" content="0;url=${escapeHtml(next)}">`,
        body: `<main class="signin"><h1>サインインしました</h1><p><a href="${escapeHtml(next)}">ヘルプデスクへ進む</a></p></main>`,
        headers: { 'set-cookie': [sessionCookie, clearSignIn] },
      });
    });
    server.post(SIGN_OUT_PATH, ...this.api, async (req: Request, res: Response) => {
      const id = cookies(req)[this.sessionCookie(req)];
      if (id) await this.sessions.delete(id);
      res.writeHead(303, { location: SIGN_IN_PATH, 'set-cookie': this.cookie(req, this.sessionCookie(req), '', { path: '/', sameSite: 'Strict', maxAge: 0 }), 'cache-control': 'no-store' });
      res.end();
    });
  }

  /** A sign-out form for a page's header: a POST with the session's CSRF token. */
  static signOutForm(session: Session): string {
    return `<form method="post" action="${SIGN_OUT_PATH}" class="signout"><span class="agent">${escapeHtml(session.agent.name)}</span><input type="hidden" name="csrf" value="${escapeHtml(session.csrfToken)}"><button type="submit">サインアウト</button></form>`;
  }

  private csrfMatches(req: Request, session: Session): boolean {
    const header = req.header(CSRF_HEADER);
    const field = (req.body as { csrf?: unknown } | undefined)?.csrf;
    const given = header ?? (typeof field === 'string' ? field : '');
    return sameSecret(given, session.csrfToken);
  }

  /** Creates the session; sets its cookie, or returns it for the caller to set. */
  private async startSession(req: Request, res: Response, agent: SignedInAgent, set = true): Promise<string> {
    const { id } = await this.sessions.create(agent);
    const cookie = this.cookie(req, this.sessionCookie(req), id, { path: '/', sameSite: 'Strict', maxAge: this.options.sessionHours * 3600 });
    if (set) res.setHeader('set-cookie', cookie);
    this.log(req).info({ agentId: agent.id }, 'helpdesk agent signed in');
    return cookie;
  }

  private signInPage(res: Response, status: number, next: string, problem?: string, setCookie?: string): void {
    const alert = problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : '';
    const how = this.oidc
      ? `<p><a class="button" href="${OIDC_START_PATH}?next=${encodeURIComponent(next)}">Microsoft アカウントでサインイン</a></p>`
      : `<form method="post" action="${SIGN_IN_PATH}">
<label for="token">ヘルプデスク API トークン（HELPDESK_API_TOKEN）</label>
<input id="token" name="token" type="password" autocomplete="off" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit">サインイン</button>
</form>
<p class="note">トークンは管理者から受け取るか、npm start で生成された場合は起動時の表示（DATA_DIR の generated-secrets.json にも保存）をお使いください。トークンでサインインした方は「${escapeHtml(this.options.tokenAgentName)}」の名前で対応します。</p>`;
    sendPage(res, status, {
      title: 'サインイン | ヘルプデスク',
      body: `<main class="signin"><h1>ヘルプデスク サインイン</h1>${alert}${how}</main>`,
      ...(setCookie ? { headers: { 'set-cookie': setCookie } } : {}),
    });
  }

  /** https when the connection is, or when a trusted proxy says so (X-Forwarded-Proto, only with TRUST_PROXY_HOPS). */
  private secure(req: IncomingMessage): boolean {
    if ((req.socket as { encrypted?: boolean }).encrypted) return true;
    if (this.options.trustProxyHops <= 0) return false;
    const protos = String(req.headers['x-forwarded-proto'] ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
    return protos[Math.max(0, protos.length - this.options.trustProxyHops)] === 'https';
  }

  private origin(req: IncomingMessage): string {
    const host = req.headers.host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(req.headers.host) ? req.headers.host : 'localhost';
    return `${this.secure(req) ? 'https' : 'http'}://${host}`;
  }

  /** `__Host-` over https: the browser then takes it only with Secure, Path=/ and no Domain. */
  private sessionCookie(req: IncomingMessage): string {
    return this.secure(req) ? '__Host-helpdesk_session' : 'helpdesk_session';
  }

  private cookie(req: IncomingMessage, name: string, value: string, options: { path: string; sameSite: 'Strict' | 'Lax'; maxAge: number }): string {
    return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAge}; HttpOnly; SameSite=${options.sameSite}${this.secure(req) ? '; Secure' : ''}`;
  }

  private log(req: IncomingMessage): Logger {
    return ((req as { log?: Logger }).log ?? this.options.log) as Logger;
  }
}

/** A restify handler from a check that answers the request itself when it returns false. */
function guard(check: (req: Request, res: Response) => Promise<boolean>): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    check(req, res).then(
      (pass) => next(pass ? undefined : false),
      (err: unknown) => next(err as Error),
    );
  };
}

function cookies(req: IncomingMessage): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) found[part.slice(0, at).trim()] ??= part.slice(at + 1).trim();
  }
  return found;
}

const query = (req: Request) => (req.query ?? {}) as Record<string, unknown>;

/** Only a path of the helpdesk's own pages; anything else (another site, `//host`) goes to /helpdesk. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/helpdesk(?:[/?][A-Za-z0-9\-._~/?=&%]*)?$/.test(value) && !value.startsWith(SIGN_IN_PATH) ? value : '/helpdesk';
}

function redirect(res: Response, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** The form was posted from a page of this server (Origin, which browsers send with every POST). */
function sameOrigin(req: Request): boolean {
  const origin = req.header('origin');
  const host = req.header('host');
  return Boolean(origin && host) && (origin === `http://${host}` || origin === `https://${host}`);
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Next, Request, RequestHandler, Response } from 'restify';
import { requestScope, type Logger } from '../logging';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A client's x-request-id is kept when it looks like an id: no spaces, quotes or controls, at most 128 characters. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@|+=/-]{0,127}$/;
/** How much of an unrouted path the access log keeps. */
const MAX_LOGGED_PATH = 120;

interface RequestContext {
  id: string;
  log: Logger;
  /** Set when a rate limit answered 429 ('ip' or 'conversation'), with the client address for 'ip'. */
  limited?: string;
  client?: string;
}

const contexts = new WeakMap<object, RequestContext>();

/**
 * Whatever restify or a handler may put in a log line under `req` or `res`: method, path and status
 * only, never headers (Authorization), bodies or query strings.
 */
const safeSerializers = {
  req: (req: Partial<IncomingMessage> | undefined) => (req && typeof req === 'object' ? { method: req.method, path: pathOf(req.url) } : req),
  res: (res: Partial<ServerResponse> | undefined) => (res && typeof res === 'object' ? { statusCode: res.statusCode } : res),
};

/** The path of a request URL, without its query string (which may carry a token), cut to a sane length. */
export function pathOf(url: string | undefined): string {
  const path = (url ?? '').split('?')[0] ?? '';
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

/** The request's id (as echoed in x-request-id), once `requestContext` has run. */
export function requestId(req: object): string | undefined {
  return contexts.get(req)?.id;
}

/** The request's logger (a child carrying its reqId), or `fallback` for requests that have none. */
export function requestLog(req: object, fallback: Logger): Logger {
  return contexts.get(req)?.log ?? fallback;
}

/** Marks a request as answered by a rate limit, for its access log line. */
export function markLimited(req: object, limit: string, client?: string): void {
  const context = contexts.get(req);
  if (!context) return;
  context.limited = limit;
  if (client) context.client = client;
}

/**
 * The first `pre` handler: gives every request an id (the client's x-request-id when sane, else a
 * new UUID), echoes it in the response, hangs a child logger carrying it on the request (restify's
 * own req.log included), and writes one access log line at info when the response is done: method,
 * route, status, duration. Never bodies, query strings or headers.
 */
export function requestContext(log: Logger): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    const given = req.headers[REQUEST_ID_HEADER];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    const child = log.child({ reqId: id }, { serializers: safeSerializers });
    const context: RequestContext = { id, log: child };
    contexts.set(req, context);
    try {
      // restify's own request id (req.id(), req.getId()) is the same.
      (req as unknown as { id(reqId: string): string }).id(id);
    } catch {
      // already fixed by something earlier: ours still goes in the header and the logs
    }
    // restify logs through req.log / res.log (e.g. a handler's discarded return value).
    (req as unknown as { log: Logger }).log = child;
    (res as unknown as { log: Logger }).log = child;
    res.setHeader(REQUEST_ID_HEADER, id);

    const started = process.hrtime.bigint();
    let logged = false;
    const done = (finished: boolean) => {
      if (logged) return;
      logged = true;
      const route = req.getRoute?.() as { path?: unknown } | undefined;
      const routePath = typeof route?.path === 'string' ? route.path : undefined;
      child.info(
        {
          method: req.method,
          ...(routePath ? { route: routePath } : { path: pathOf(req.url) }),
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          ...(finished ? {} : { aborted: true }),
          ...(context.limited ? { limited: context.limited } : {}),
          ...(context.client ? { client: context.client } : {}),
        },
        'request',
      );
    };
    res.once('finish', () => done(true));
    res.once('close', () => done(false));
    return requestScope.run({ reqId: id }, () => {
      // The body arrives in events of the socket, outside this scope; bound, the handlers that wait
      // for it (body parsers, Bolt's receiver) and all they start stay in the request's scope.
      req.emit = AsyncLocalStorage.bind(req.emit.bind(req));
      return next();
    });
  };
}

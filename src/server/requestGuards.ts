import { parse as parseQuery } from 'node:querystring';
import { plugins, type Next, type Request, type RequestHandler, type Response } from 'restify';

export const BOT_FRAMEWORK_MESSAGES = '/api/messages';
export const SLACK_EVENTS = '/slack/events';

const routeOf = (req: Request) => (req.getRoute?.() as { path?: unknown } | undefined)?.path;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function badRequest(res: Response, next: Next, message: string): void {
  res.send(400, { error: { code: 'BadArgument', message } });
  next(false);
}

/** Runs restify handlers one after another, as a route's chain would. */
function runChain(handlers: RequestHandler[], req: Request, res: Response, done: (err?: unknown) => void): void {
  const step = (i: number) => {
    if (i >= handlers.length) return done();
    handlers[i]!(req, res, ((err?: unknown) => (err ? done(err) : step(i + 1))) as Next);
  };
  step(0);
}

/** What is wrong with a Bot Framework activity that CloudAdapter would answer with a 500, or undefined. */
export function botFrameworkActivityProblem(body: unknown): string | undefined {
  // Not an object, or no type: the route itself answers 400.
  if (!isObject(body) || typeof body.type !== 'string') return undefined;
  const { serviceUrl, conversation, channelId, from, recipient } = body;
  if (typeof serviceUrl !== 'string') return 'serviceUrl must be a URL';
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return 'serviceUrl must be a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'serviceUrl must be an http(s) URL';
  if (!isObject(conversation) || typeof conversation.id !== 'string' || !conversation.id) return 'conversation.id must be a non-empty string';
  if (typeof channelId !== 'string' || !channelId) return 'channelId must be a non-empty string';
  if (from !== undefined && !(isObject(from) && optionalString(from.id))) return 'from must be an object with a string id';
  if (recipient !== undefined && !(isObject(recipient) && optionalString(recipient.id))) return 'recipient must be an object with a string id';
  // The rest fails the turn rather than the request, but the Bot Framework schema has these types too.
  for (const field of ['id', 'text', 'locale', 'replyToId'] as const) if (!optionalString(body[field])) return `${field} must be a string`;
  for (const field of ['membersAdded', 'membersRemoved', 'attachments'] as const) if (!optionalListOf(body[field], isObject)) return `${field} must be a list of objects`;
  if (!optionalListOf(body.entities, (e) => isObject(e) && typeof e.type === 'string')) return 'entities must be a list of objects with a string type';
  return undefined;
}

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const optionalListOf = (v: unknown, item: (v: unknown) => boolean) => v === undefined || v === null || (Array.isArray(v) && v.every(item));

/**
 * A `use` handler for POST /api/messages: parses the body here (with the route's own settings;
 * restify then does not parse it again), so the per-conversation limit can read the activity, and
 * refuses (400) activities whose serviceUrl, conversation or channel CloudAdapter would fail on
 * with a 500 before the turn starts. The Bot Framework service always sends them.
 */
export function botFrameworkBodyGuard(maxBodyBytes: number): RequestHandler {
  const parse = plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false });
  return (req: Request, res: Response, next: Next) => {
    if (req.method !== 'POST' || routeOf(req) !== BOT_FRAMEWORK_MESSAGES) return next();
    runChain(parse, req, res, (err) => {
      if (err) return next(err);
      const problem = botFrameworkActivityProblem(req.body);
      return problem ? badRequest(res, next, `not a Bot Framework activity: ${problem}`) : next();
    });
  };
}

/** A body as Bolt parses it (form-encoded with a JSON `payload`, else JSON); undefined when it cannot be parsed. */
function parseSlackBody(raw: Buffer, contentType: string | undefined): { value: unknown } | undefined {
  const text = raw.toString('utf8');
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = parseQuery(text);
      return { value: typeof form.payload === 'string' ? JSON.parse(form.payload) : form };
    }
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Interactivity payloads, which always name the user. */
const INTERACTIVE_TYPES = new Set([
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
  'dialog_cancellation',
  'dialog_suggestion',
  'workflow_step_edit',
]);

/** Present, and neither an object nor (where allowed) a string: what Bolt dereferences and fails on. */
const bad = (v: unknown, stringOk = false) => v !== undefined && !isObject(v) && !(stringOk && typeof v === 'string');

/** What is wrong with a Slack request body that Bolt would fail on (a 500, or an unhandled rejection), or undefined. */
export function slackBodyProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'the body must be an object';
  if (body.type === 'event_callback') {
    const event = body.event;
    if (!isObject(event)) return 'event must be an object';
    if (bad(event.user, true) || bad(event.channel, true) || bad(event.item)) return 'event.user, event.channel and event.item must be strings or objects';
    const authorizations = body.authorizations;
    if (authorizations !== undefined && (!Array.isArray(authorizations) || !authorizations.every(isObject))) return 'authorizations must be a list of objects';
    return undefined;
  }
  if (bad(body.user) || bad(body.channel) || bad(body.view) || bad(body.message) || bad(body.container)) return 'user, channel, view, message and container must be objects';
  // Slack always sends who clicked or submitted, and the view of a view event.
  if (typeof body.type === 'string' && INTERACTIVE_TYPES.has(body.type) && !isObject(body.user)) return `a ${body.type} payload needs a user`;
  if ((body.type === 'view_submission' || body.type === 'view_closed') && !isObject(body.view)) return `a ${body.type} payload needs a view`;
  const actions = body.actions;
  if (actions !== undefined && (!Array.isArray(actions) || !actions.every((a) => isObject(a) && (a.action_id === undefined || typeof a.action_id === 'string')))) {
    return 'actions must be a list of objects with a string action_id';
  }
  return undefined;
}

/**
 * A `use` handler for POST /slack/events: reads the raw body (at most `maxBodyBytes`, 413 beyond)
 * and hands it to Bolt already read (Bolt checks the signature over `req.rawBody` when it is there),
 * after refusing (400) bodies Bolt's receiver cannot handle: a JSON `null` body crashes it with an
 * unhandled rejection; nulls where it expects objects make it answer 500. Slack never sends these.
 * Bodies that are not JSON at all are left to Bolt (401 unsigned, 400 signed).
 */
export function slackBodyGuard(maxBodyBytes: number): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    if (req.method !== 'POST' || routeOf(req) !== SLACK_EVENTS) return next();
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (run: () => void) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      run();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      settle(() => {
        res.setHeader('connection', 'close');
        res.send(413, { error: { code: 'PayloadTooLarge', message: `the body must be at most ${maxBodyBytes} bytes` } });
        next(false);
      });
    };
    const onEnd = () =>
      settle(() => {
        const raw = Buffer.concat(chunks);
        (req as unknown as { rawBody: Buffer }).rawBody = raw;
        const parsed = parseSlackBody(raw, req.headers['content-type']);
        const problem = parsed ? slackBodyProblem(parsed.value) : undefined;
        return problem ? badRequest(res, next, `not a Slack request: ${problem}`) : next();
      });
    req.on('data', onData);
    req.once('end', onEnd);
    // A client that goes away mid-body: nothing to answer.
    req.once('aborted', () => settle(() => next(false)));
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugins, type Next, type Request, type Response, type Server } from 'restify';
import { z } from 'zod';
import { HandoffDeliveryError, HandoffRefusedError, type HandoffService } from '../handoff/handoffService';
import { TICKET_STATUSES, type TicketStatus } from '../handoff/ticket';
import { TicketNotFoundError } from '../handoff/ticketStore';
import { queueItem, ticketView } from '../handoff/ticketView';
import type { Logger } from '../logging';
import type { HelpdeskEventFeed } from './eventFeed';
import { helpdeskAgent } from './signedInAgent';

const PUBLIC_DIR = join(__dirname, 'public');
const PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const Reply = z.object({ text: z.string().trim().min(1, '返信を入力してください').max(4000, '返信は 4000 文字までです') });
const Query = z.object({
  status: z.enum(TICKET_STATUSES as [TicketStatus, ...TicketStatus[]]),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(PAGE_SIZE),
});

/** Answers the console shows as they are (Japanese), with the HTTP status that fits. */
const ERRORS = {
  signIn: 'ヘルプデスクにサインインしてください。',
  notFound: (id: string) => `受付番号 ${id} の受付は見つかりません。`,
  notDelivered: '利用者にメッセージを届けられませんでした。しばらくしてからもう一度お試しください。',
  failed: '処理中にエラーが発生しました。もう一度お試しください。',
};

/**
 * `/helpdesk`, the agents' console: the page (plain HTML, CSS and JS, no build step), its JSON API
 * (queue pages, a ticket's view, take, reply, resolve) and its live feed (Server-Sent Events).
 * Every API call needs a signed-in agent (helpdeskAgent), who is the one named on what they do.
 */
export interface HelpdeskConsoleOptions {
  service: HandoffService;
  feed: HelpdeskEventFeed;
  apiToken: string;
  maxBodyBytes: number;
  log: Logger;
  /** The clock tickets are stamped with, so the page measures waiting times against it. */
  now: () => Date;
}

export function mountHelpdeskConsole(server: Server, { service, feed, apiToken, maxBodyBytes, log, now }: HelpdeskConsoleOptions): void {
  const files: Record<string, { type: string; body: Buffer }> = {
    'index.html': { type: 'text/html; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'index.html')) },
    'console.js': { type: 'application/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'console.js')) },
    'console.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'console.css')) },
  };
  const serve = (name: keyof typeof files) => async (_req: Request, res: Response) => {
    const file = files[name]!;
    // The page runs only its own script and style: text that slipped into markup still could not run.
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    });
    res.end(file.body);
  };
  // The ticket page is the same page; the script reads which ticket from the path.
  server.get('/helpdesk', serve('index.html'));
  server.get('/helpdesk/tickets/:id', serve('index.html'));
  server.get('/helpdesk/console.js', serve('console.js'));
  server.get('/helpdesk/console.css', serve('console.css'));

  // Who is signed in comes first, before any body is read.
  const signedIn = (req: Request, res: Response, next: Next) => {
    const agent = helpdeskAgent(req, apiToken);
    if (agent) {
      (req as Request & { agent?: string }).agent = agent;
      return next();
    }
    res.send(401, { error: ERRORS.signIn });
    return next(false);
  };
  const agentOf = (req: Request) => (req as Request & { agent: string }).agent;
  const withBody = [signedIn, ...plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false })];
  const id = (req: Request) => String((req.params as { id?: unknown }).id ?? '');
  const route = (handler: (req: Request) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      res.send(200, await handler(req));
    } catch (err) {
      if (err instanceof TicketNotFoundError) res.send(404, { error: ERRORS.notFound(err.id) });
      else if (err instanceof HandoffRefusedError) res.send(409, { error: err.message });
      else if (err instanceof HandoffDeliveryError) res.send(502, { error: ERRORS.notDelivered });
      else if (err instanceof z.ZodError) res.send(400, { error: err.issues.map((i) => i.message).join('／') });
      else {
        log.error({ err }, 'helpdesk console api failed');
        res.send(500, { error: ERRORS.failed });
      }
    }
  };
  const ticketPage = async (ticketId: string) => {
    const ticket = await service.tickets.get(ticketId);
    if (!ticket) throw new TicketNotFoundError(ticketId);
    return { item: queueItem(ticket), view: ticketView(ticket) };
  };
  const acted = async (done: Promise<{ id: string }>) => ticketPage((await done).id);

  server.get('/api/helpdesk/me', signedIn, route(async (req) => ({ agent: agentOf(req) })));
  server.get(
    '/api/helpdesk/queue',
    signedIn,
    route(async (req) => {
      const { status, offset, limit } = Query.parse(req.query ?? {});
      const page = await service.tickets.page(status, offset, limit);
      return { status, offset, limit, total: page.total, items: page.tickets.map(queueItem), now: now().toISOString() };
    }),
  );
  server.get('/api/helpdesk/tickets/:id', signedIn, route((req) => ticketPage(id(req))));
  server.post('/api/helpdesk/tickets/:id/take', withBody, route((req) => acted(service.take(id(req), agentOf(req)))));
  server.post('/api/helpdesk/tickets/:id/messages', withBody, route((req) => acted(service.fromAgent(id(req), agentOf(req), Reply.parse(req.body ?? {}).text))));
  server.post('/api/helpdesk/tickets/:id/resolve', withBody, route((req) => acted(service.resolve(id(req), agentOf(req)))));
  server.get('/api/helpdesk/events', signedIn, async (req: Request, res: Response) => {
    feed.connect(res, req.header('last-event-id') || undefined);
  });
}

import { plugins, type Next, type Request, type Response, type Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../logging';
import { bearerIs } from '../safety/bearerToken';
import { HandoffDeliveryError, HandoffRefusedError, type HandoffService } from './handoffService';
import { TICKET_STATUSES, type TicketStatus } from './ticket';
import { TicketNotFoundError } from './ticketStore';

const Agent = z.string().trim().min(1).max(100);
const TakeBody = z.object({ agent: Agent });
const MessageBody = z.object({ agent: Agent, text: z.string().trim().min(1).max(4000) });
const ResolveBody = z.object({ agent: Agent.optional() }).optional();

/** A bad query; bad bodies are zod errors. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The helpdesk's REST API for portals and dashboards: list and read tickets, take one, reply,
 * resolve. Every call needs `Authorization: Bearer HELPDESK_API_TOKEN`.
 */
export function mountHelpdeskApi(server: Server, service: HandoffService, token: string, maxBodyBytes: number, log: Logger): void {
  // Authorization comes first, before any body is read.
  const auth = (req: Request, res: Response, next: Next) => {
    if (bearerIs(req.header('authorization'), token)) return next();
    res.send(401, { error: 'Authorization: Bearer <HELPDESK_API_TOKEN> is required' });
    return next(false);
  };
  const body = [auth, ...plugins.bodyParser({ maxBodySize: maxBodyBytes, mapParams: false })];
  const route = (handler: (req: Request) => Promise<[number, unknown]>) => async (req: Request, res: Response) => {
    try {
      const [status, payload] = await handler(req);
      res.send(status, payload);
    } catch (err) {
      if (err instanceof ApiError) res.send(err.status, { error: err.message });
      else if (err instanceof TicketNotFoundError) res.send(404, { error: `no ticket ${err.id}` });
      else if (err instanceof HandoffRefusedError) res.send(409, { error: err.message });
      else if (err instanceof HandoffDeliveryError) res.send(502, { error: err.message });
      else if (err instanceof z.ZodError) res.send(400, { error: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      else {
        log.error({ err }, 'helpdesk api failed');
        res.send(500, { error: 'internal error' });
      }
    }
  };
  const id = (req: Request) => String((req.params as { id?: unknown }).id ?? '');
  const found = async (ticketId: string) => {
    const ticket = await service.tickets.get(ticketId);
    if (!ticket) throw new TicketNotFoundError(ticketId);
    return ticket;
  };

  server.get(
    '/api/handoffs',
    auth,
    route(async (req) => {
      const status = (req.query as { status?: unknown } | undefined)?.status;
      if (status !== undefined && !TICKET_STATUSES.includes(status as TicketStatus)) throw new ApiError(400, `status must be one of ${TICKET_STATUSES.join(', ')}`);
      return [200, { tickets: await service.tickets.list(status as TicketStatus | undefined) }];
    }),
  );
  server.get('/api/handoffs/:id', auth, route(async (req) => [200, await found(id(req))]));
  server.post('/api/handoffs/:id/take', body, route(async (req) => [200, await service.take((await found(id(req))).id, TakeBody.parse(req.body).agent)]));
  server.post(
    '/api/handoffs/:id/messages',
    body,
    route(async (req) => {
      const { agent, text } = MessageBody.parse(req.body);
      return [200, await service.fromAgent((await found(id(req))).id, agent, text)];
    }),
  );
  server.post('/api/handoffs/:id/resolve', body, route(async (req) => [200, await service.resolve((await found(id(req))).id, ResolveBody.parse(req.body ?? undefined)?.agent)]));
}

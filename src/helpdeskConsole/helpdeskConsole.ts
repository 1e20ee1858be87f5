import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { HandoffDeliveryError, HandoffRefusedError, type HandoffService } from '../handoff/handoffService';
import { TICKET_STATUSES, type TicketStatus } from '../handoff/ticket';
import { TicketNotFoundError } from '../handoff/ticketStore';
import { queueItem, ticketView } from '../handoff/ticketView';
import { escapeHtml, HelpdeskAuth, pageHeader, sendPage, serveFiles } from '../helpdeskAuth';
import type { Logger } from '../logging';
import type { HelpdeskEventFeed } from './eventFeed';

export const CONSOLE_PATH = '/helpdesk';
const API = '/helpdesk/api';
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
  notFound: (id: string) => `受付番号 ${id} の受付は見つかりません。`,
  notDelivered: '利用者にメッセージを届けられませんでした。しばらくしてからもう一度お試しください。',
  failed: '処理中にエラーが発生しました。もう一度お試しください。',
};

export interface HelpdeskConsoleOptions {
  auth: HelpdeskAuth;
  service: HandoffService;
  feed: HelpdeskEventFeed;
  log: Logger;
  /** The clock tickets and sessions are stamped with, so the page measures waiting times against it. */
  now: () => Date;
}

/**
 * `/helpdesk`, the agents' console: the page (plain HTML, CSS and JS, no build step), its JSON API
 * (queue pages, a ticket's view, take, reply, resolve) and its live feed (Server-Sent Events), all
 * behind the helpdesk sign-in like the dashboard. The agent named on a take or a reply is the one
 * signed in (`signedInAgent`); take, reply and resolve need the session's CSRF token.
 */
export function mountHelpdeskConsole(server: Server, { auth, service, feed, log, now }: HelpdeskConsoleOptions): void {
  const read = (name: string) => readFileSync(join(PUBLIC_DIR, name));
  serveFiles(server, {
    '/helpdesk/assets/console.js': { type: 'application/javascript; charset=utf-8', body: read('console.js') },
    '/helpdesk/assets/console.css': { type: 'text/css; charset=utf-8', body: read('console.css') },
  });
  // The ticket page is the same page; the script reads which ticket from the path.
  const page = async (req: Request, res: Response) => {
    const session = (await auth.sessionOf(req))!;
    sendPage(res, 200, {
      title: '対応キュー | ヘルプデスク',
      head: `<meta name="csrf-token" content="${escapeHtml(session.csrfToken)}">\n<link rel="stylesheet" href="/helpdesk/assets/console.css">\n<script src="/helpdesk/assets/console.js" defer></script>`,
      body: consolePage(HelpdeskAuth.signOutForm(session)),
    });
  };
  server.get(CONSOLE_PATH, auth.page, page);
  server.get(`${CONSOLE_PATH}/tickets/:id`, auth.page, page);

  /** The signed-in agent's name: `auth.api` has let only a session through. */
  const agentOf = async (req: Request) => (await auth.signedInAgent(req))!.name;
  const id = (req: Request) => String((req.params as { id?: unknown }).id ?? '');
  const route = (handler: (req: Request) => Promise<unknown>) => async (req: Request, res: Response) => {
    try {
      const body = await handler(req);
      res.header('cache-control', 'no-store');
      res.send(200, body);
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

  server.get(
    `${API}/queue`,
    ...auth.api,
    route(async (req) => {
      const { status, offset, limit } = Query.parse(req.query ?? {});
      const page = await service.tickets.page(status, offset, limit);
      return { status, offset, limit, total: page.total, items: page.tickets.map(queueItem), now: now().toISOString() };
    }),
  );
  server.get(`${API}/tickets/:id`, ...auth.api, route((req) => ticketPage(id(req))));
  // auth.api refuses these POSTs without the session's CSRF token (403) before they reach here.
  server.post(`${API}/tickets/:id/take`, ...auth.api, route(async (req) => acted(service.take(id(req), await agentOf(req)))));
  server.post(`${API}/tickets/:id/messages`, ...auth.api, route(async (req) => acted(service.fromAgent(id(req), await agentOf(req), Reply.parse(req.body ?? {}).text))));
  server.post(`${API}/tickets/:id/resolve`, ...auth.api, route(async (req) => acted(service.resolve(id(req), await agentOf(req)))));
  server.get(`${API}/events`, ...auth.api, async (req: Request, res: Response) => {
    const session = (await auth.sessionOf(req))!;
    // The stream ends when the session does, or is signed out: the console reconnects, is refused, and signs in again.
    feed.connect(res, req.header('last-event-id') || undefined, Date.parse(session.expiresAt) - now().getTime(), () => auth.stillSignedIn(req));
  });
}

/** The page: the queue (three lists) and one ticket, shown in turn by the script; the header is the dashboard's. */
function consolePage(signOut: string): string {
  const queue = (status: TicketStatus, title: string) => `<section class="queue" data-status="${status}" aria-labelledby="h-${status}">
<h2 id="h-${status}">${title} <span class="count"></span></h2>
<div class="list"></div>
<nav class="pager" aria-label="${title}のページ"><button type="button" data-page="-1">前へ</button><span class="range"></span><button type="button" data-page="1">次へ</button></nav>
</section>`;
  return `${pageHeader('ヘルプデスク 対応キュー', CONSOLE_PATH, `<span id="live" class="live" role="status" aria-live="polite"></span>\n${signOut}`)}
<main id="main" class="console">
<div id="queue" hidden>
${queue('waiting', '対応待ち')}
${queue('in-progress', '対応中')}
${queue('resolved', '完了')}
</div>
<article id="ticket" hidden>
<p><a href="${CONSOLE_PATH}">← 受付一覧に戻る</a></p>
<h2 id="t-title" class="ticket-title" tabindex="-1"></h2>
<p><span id="t-status" class="status"></span></p>
<p id="t-summary" class="summary"></p>
<div id="t-actions" class="actions"></div>
<p id="t-error" class="problem" role="alert"></p>
<div class="columns">
<div>
<h3>受付の情報</h3>
<table id="t-rows" class="facts"></table>
<h3>確認済みの内容</h3>
<table id="t-facts" class="facts"></table>
</div>
<div>
<h3>これまでのやり取り</h3>
<ol id="t-transcript" class="transcript"></ol>
<form id="t-reply" class="reply">
<label for="reply-text">利用者への返信（Ctrl+Enter で送信）</label>
<textarea id="reply-text" rows="3" maxlength="4000"></textarea>
<button type="submit">送信</button>
</form>
</div>
</div>
</article>
</main>`;
}

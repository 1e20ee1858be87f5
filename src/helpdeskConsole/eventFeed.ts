import { randomBytes } from 'node:crypto';
import type { Response } from 'restify';
import type { HandoffEvent, HandoffListener } from '../handoff/handoffService';
import type { TicketStatus } from '../handoff/ticket';
import { queueItem, SPEAKERS, type QueueItem, type ViewLine } from '../handoff/ticketView';
import type { PubSub } from '../storage/redisStorage';

/** What the console hears of a ticket's change: the queue line as it now is, and a new transcript line. */
export interface ConsoleEvent {
  /** `<instance>.<n>`: unique across instances, the SSE id a reconnect names in Last-Event-ID. */
  id: string;
  kind: HandoffEvent['kind'];
  ticketId: string;
  status: TicketStatus;
  item: QueueItem;
  line?: ViewLine;
}

/** Events kept for reconnects; a console away longer (or sent to an instance that has not seen its last one) reloads. */
const KEPT_EVENTS = 1000;
const KEEP_ALIVE_MS = 25_000;
const EVENTS_CHANNEL = 'helpdesk:events';
const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * The console's live feed over Server-Sent Events. Every hand-off event becomes a ConsoleEvent,
 * shared with the other instances over Redis when scaled out, and kept (the last 1000) so that a
 * console that reconnects with Last-Event-ID gets what it missed; one whose id is no longer known
 * is told `reset` and reloads what it shows.
 */
export class HelpdeskEventFeed implements HandoffListener {
  readonly name = 'helpdesk-console';
  private readonly instance = randomBytes(4).toString('hex');
  private next = 0;
  private readonly recent: ConsoleEvent[] = [];
  /** The id of "before any event" on this instance. */
  private readonly start = `${this.instance}.0`;
  /** Whether events have left `recent`: then "before any event" can no longer be replayed. */
  private dropped = false;
  /** Each open stream, with how to tell that its agent is still signed in. */
  private readonly clients = new Map<Response, () => Promise<boolean>>();
  private bus?: PubSub;
  private closed = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs = KEEP_ALIVE_MS) {
    // A comment line keeps proxies from closing an idle stream and lets a dead one be noticed; a stream
    // whose agent has signed out since (on any instance) ends, and its console is refused on reconnecting.
    this.keepAlive = setInterval(() => {
      this.broadcast(': keep-alive\n\n');
      for (const [res, signedIn] of this.clients) void signedIn().then((still) => still || res.end(), () => undefined);
    }, keepAliveMs).unref();
  }

  /** Hears the events of every instance on the bus (this one's arrive directly). */
  async share(bus: PubSub): Promise<void> {
    await bus.subscribe(EVENTS_CHANNEL, (message) => {
      const { from, event } = JSON.parse(message) as { from: string; event: ConsoleEvent };
      if (from !== this.instance) this.deliver(event);
    });
    this.bus = bus;
  }

  async handle(event: HandoffEvent): Promise<void> {
    const consoleEvent: ConsoleEvent = {
      id: `${this.instance}.${++this.next}`,
      kind: event.kind,
      ticketId: event.ticket.id,
      status: event.ticket.status,
      item: queueItem(event.ticket),
      ...(event.kind === 'message' ? { line: { from: event.line.from, speaker: SPEAKERS[event.line.from], text: event.line.text, at: event.line.at } } : {}),
    };
    this.deliver(consoleEvent);
    await this.bus?.publish(EVENTS_CHANNEL, JSON.stringify({ from: this.instance, event: consoleEvent }));
  }

  /**
   * Serves one console's stream: what it missed since `lastEventId` (or `reset`), then `ready`, then
   * every event, for at most `maxMs` (the rest of the agent's session) and while `signedIn` holds.
   */
  connect(res: Response, lastEventId: string | undefined, maxMs: number, signedIn: () => Promise<boolean>): void {
    // Closing: a console reconnecting over a kept-alive socket must not hold the server open; it tries again later.
    if (this.closed) {
      res.writeHead(503, { 'retry-after': '1', connection: 'close' });
      res.end();
      return;
    }
    // connection: close, so that the socket is not used again once the stream ends (the server may be closing).
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'close' });
    if (lastEventId !== undefined) {
      const missed = this.since(lastEventId);
      if (missed) for (const e of missed) res.write(frame(e));
      else res.write('event: reset\ndata: {}\n\n');
    }
    // `ready` carries the id to resume from, even when no event has happened yet.
    res.write(`id: ${this.recent.at(-1)?.id ?? this.start}\nevent: ready\ndata: {}\n\n`);
    this.clients.set(res, signedIn);
    // A timer's longest wait is 2^31-1 ms (24.8 days); sessions last at most a week.
    const end = setTimeout(() => res.end(), Math.min(Math.max(0, maxMs), 2 ** 31 - 1)).unref();
    res.once('close', () => {
      clearTimeout(end);
      this.clients.delete(res);
    });
  }

  /** The events after `id`, or undefined when this instance cannot tell (an id it never had, or events dropped since). */
  private since(id: string): ConsoleEvent[] | undefined {
    if (id === this.start) return this.dropped ? undefined : this.recent;
    const seen = this.recent.findIndex((e) => e.id === id);
    return seen < 0 ? undefined : this.recent.slice(seen + 1);
  }

  /** Ends every stream (their consoles reconnect), so the server can close. */
  close(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  private deliver(event: ConsoleEvent): void {
    this.recent.push(event);
    if (this.recent.length > KEPT_EVENTS) {
      this.recent.shift();
      this.dropped = true;
    }
    this.broadcast(frame(event));
  }

  private broadcast(text: string): void {
    for (const res of this.clients.keys()) {
      // A console that stops reading is cut rather than buffered without end; it reconnects and catches up.
      if (res.writableLength > MAX_UNSENT_BYTES) res.destroy();
      else res.write(text);
    }
  }
}

function frame(event: ConsoleEvent): string {
  return `id: ${event.id}\nevent: ticket\ndata: ${JSON.stringify(event)}\n\n`;
}

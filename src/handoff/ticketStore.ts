import { randomBytes } from 'node:crypto';
import type { Storage, StoreItem } from 'botbuilder';
import type { HandoffTicket, TicketStatus } from './ticket';
import { CREATE_ONLY_ETAG, isETagConflict, retryOnETagConflict } from '../storage/eTagRetry';

const TICKET_KEY = (id: string) => `handoff/ticket/${id}`;
const INDEX_KEY = 'handoff/index';
const THREAD_KEY = (thread: string) => `handoff/thread/${thread}`;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Markers kept per ticket (Slack messages relayed, "posted" flags): Slack retries within minutes. */
const MAX_MARKERS = 200;

type Stored<T> = T & StoreItem;

/** A ticket as the index knows it: enough to page a queue and to find what retention removes. */
export interface IndexEntry {
  id: string;
  status: TicketStatus;
  createdAt: string;
  resolvedAt?: string;
}

/** The index as stored; `ids` alone is the format before entries (read once and rewritten). */
interface StoredIndex {
  entries?: IndexEntry[];
  ids?: string[];
}

export interface TicketPage {
  tickets: HandoffTicket[];
  /** Tickets with this status in all. */
  total: number;
}

export interface TicketStoreOptions {
  /** Resolved tickets older than this leave the index, and are deleted with their transcript and thread links. */
  retentionDays?: number;
  now?: () => Date;
}

/** Random, so numbers can be handed out before the ticket is stored, on any instance. */
export function newTicketId(): string {
  return `HD-${randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * Tickets in botbuilder Storage (memory, disk or Redis), written with eTags: concurrent changes to
 * one ticket are detected and retried, never silently lost. The index lists every ticket with its
 * status, so a queue page reads only the tickets it shows; it is bounded by the retention.
 */
export class TicketStore {
  private indexReady?: Promise<void>;
  private readonly retentionMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly storage: Storage,
    options: TicketStoreOptions = {},
  ) {
    this.retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** Stores a new ticket, under `id` when the caller already told the user its number; expired tickets leave. */
  async create(ticket: Omit<HandoffTicket, 'id'>, id = newTicketId()): Promise<HandoffTicket> {
    const created = { ...ticket, id };
    await this.ensureIndex();
    const expired = await retryOnETagConflict(async () => {
      const index = await this.readIndex();
      const cutoff = this.now().getTime() - this.retentionMs;
      const gone = index.entries.filter((e) => e.status === 'resolved' && e.resolvedAt !== undefined && Date.parse(e.resolvedAt) < cutoff);
      const kept = gone.length ? index.entries.filter((e) => !gone.includes(e)) : index.entries;
      // Ticket and index in one write (all or nothing on LevelStorage and RedisStorage): a crash
      // leaves no ticket that the list does not show.
      await this.storage.write({ [INDEX_KEY]: { entries: [...kept, entryOf(created)], eTag: index.eTag }, [TICKET_KEY(created.id)]: { ...created, eTag: '*' } });
      return gone;
    });
    if (expired.length) await this.remove(expired.map((e) => e.id));
    return created;
  }

  /**
   * Storage has no "create if absent": an empty index is written once (per process) before any
   * append, and every append is eTag-checked, so concurrent creates cannot overwrite each other.
   * An index of the older format (ids only) gets its entries from the tickets, once.
   */
  private ensureIndex(): Promise<void> {
    this.indexReady ??= (async () => {
      const stored = await this.readOne<StoredIndex>(INDEX_KEY);
      if (stored?.entries) return;
      const entries = stored?.ids ? (await this.readTickets(stored.ids)).filter((t) => t !== undefined).map(entryOf) : [];
      // Conflicts (harmlessly) where another instance sharing the storage has just written it, rather than emptying it.
      await this.storage.write({ [INDEX_KEY]: { entries, eTag: stored?.eTag ?? CREATE_ONLY_ETAG } }).catch((err: unknown) => {
        if (!isETagConflict(err)) throw err;
      });
    })().catch((err: unknown) => {
      this.indexReady = undefined;
      throw err;
    });
    return this.indexReady;
  }

  async get(id: string): Promise<HandoffTicket | undefined> {
    const stored = await this.readOne<HandoffTicket>(TICKET_KEY(id));
    return stored ? withoutETag(stored) : undefined;
  }

  /** Every ticket (with this status), oldest first. */
  async list(status?: TicketStatus): Promise<HandoffTicket[]> {
    const entries = (await this.entries()).filter((e) => !status || e.status === status);
    return (await this.readTickets(entries.map((e) => e.id))).filter((t): t is HandoffTicket => t !== undefined && (!status || t.status === status));
  }

  /**
   * One page of a queue: waiting and in-progress tickets longest-waiting first, resolved ones
   * latest first. Reads the index and the page's tickets only.
   */
  async page(status: TicketStatus, offset: number, limit: number): Promise<TicketPage> {
    const entries = (await this.entries()).filter((e) => e.status === status);
    if (status === 'resolved') entries.sort((a, b) => (b.resolvedAt ?? '').localeCompare(a.resolvedAt ?? ''));
    const tickets = await this.readTickets(entries.slice(offset, offset + limit).map((e) => e.id));
    // The index is updated just after the ticket: a ticket whose status moved meanwhile is left to its own page.
    return { tickets: tickets.filter((t): t is HandoffTicket => t !== undefined && t.status === status), total: entries.length };
  }

  /** How many tickets have each status. */
  async counts(): Promise<Record<TicketStatus, number>> {
    const counts: Record<TicketStatus, number> = { waiting: 0, 'in-progress': 0, resolved: 0 };
    for (const e of await this.entries()) counts[e.status]++;
    return counts;
  }

  /**
   * Applies `change` to the current ticket and writes it if nobody wrote in between; otherwise reads
   * again and retries. `change` may throw to refuse (e.g. a ticket already taken). A new status is
   * then copied to the index (the ticket is the authority; the index follows it).
   */
  async update(id: string, change: (ticket: HandoffTicket) => HandoffTicket): Promise<HandoffTicket> {
    const [before, next] = await retryOnETagConflict(async () => {
      const current = await this.readOne<HandoffTicket>(TICKET_KEY(id));
      if (!current) throw new TicketNotFoundError(id);
      const changed = change(withoutETag(current));
      await this.storage.write({ [TICKET_KEY(id)]: { ...changed, eTag: current.eTag } });
      return [current, changed] as const;
    });
    if (before.status !== next.status || before.resolvedAt !== next.resolvedAt) await this.reindex(next);
    return next;
  }

  /**
   * Marks the ticket with `marker` unless it already has it; true for the one caller that marked it.
   * Two instances handling the same Slack retry, or told of the same ticket, then act once.
   */
  async claim(id: string, marker: string): Promise<boolean> {
    let claimed = false;
    await this.update(id, (t) => {
      const markers = t.helpdesk.markers ?? [];
      claimed = !markers.includes(marker);
      return claimed ? { ...t, helpdesk: { ...t.helpdesk, markers: [...markers, marker].slice(-MAX_MARKERS) } } : t;
    });
    return claimed;
  }

  /** Remembers which ticket a helpdesk thread (a Slack ts, a Teams reply chain) belongs to; the link goes with the ticket. */
  async linkThread(thread: string, ticketId: string): Promise<void> {
    await this.storage.write({ [THREAD_KEY(thread)]: { ticketId } });
    await this.update(ticketId, (t) => ({ ...t, helpdesk: { ...t.helpdesk, threads: [...new Set([...(t.helpdesk.threads ?? []), thread])] } })).catch((err: unknown) => {
      if (!(err instanceof TicketNotFoundError)) throw err;
    });
  }

  async ticketOfThread(thread: string): Promise<HandoffTicket | undefined> {
    const link = await this.readOne<{ ticketId: string }>(THREAD_KEY(thread));
    return link ? this.get(link.ticketId) : undefined;
  }

  private async reindex(ticket: HandoffTicket): Promise<void> {
    await retryOnETagConflict(async () => {
      const index = await this.readIndex();
      const entries = index.entries.map((e) => (e.id === ticket.id ? entryOf(ticket) : e));
      await this.storage.write({ [INDEX_KEY]: { entries, eTag: index.eTag } });
    });
  }

  /** Deletes tickets (their transcripts are inside) and their thread links. */
  private async remove(ids: string[]): Promise<void> {
    const tickets = await this.readTickets(ids);
    const threads = tickets.flatMap((t) => t?.helpdesk.threads ?? []);
    await this.storage.delete([...ids.map(TICKET_KEY), ...threads.map(THREAD_KEY)]);
  }

  private async entries(): Promise<IndexEntry[]> {
    await this.ensureIndex();
    return (await this.readIndex()).entries;
  }

  private async readIndex(): Promise<{ entries: IndexEntry[]; eTag?: string }> {
    const index = await this.readOne<StoredIndex>(INDEX_KEY);
    if (!index?.entries) throw new Error('the ticket index disappeared');
    return { entries: index.entries, eTag: index.eTag };
  }

  private async readTickets(ids: string[]): Promise<Array<HandoffTicket | undefined>> {
    if (ids.length === 0) return [];
    const items = await this.storage.read(ids.map(TICKET_KEY));
    return ids.map((id) => {
      const item = items[TICKET_KEY(id)] as Stored<HandoffTicket> | undefined;
      return item ? withoutETag(item) : undefined;
    });
  }

  private async readOne<T>(key: string): Promise<Stored<T> | undefined> {
    const items = await this.storage.read([key]);
    return items[key] as Stored<T> | undefined;
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no ticket ${id}`);
  }
}

function entryOf(ticket: HandoffTicket): IndexEntry {
  return { id: ticket.id, status: ticket.status, createdAt: ticket.createdAt, ...(ticket.resolvedAt ? { resolvedAt: ticket.resolvedAt } : {}) };
}

function withoutETag<T extends StoreItem>(item: T): T {
  const { eTag: _ignored, ...rest } = item;
  return rest as T;
}

import { randomBytes } from 'node:crypto';
import type { Storage, StoreItem } from 'botbuilder';
import type { HandoffTicket, TicketStatus } from './ticket';
import { CREATE_ONLY_ETAG, isETagConflict, retryOnETagConflict } from '../storage/eTagRetry';

const TICKET_KEY = (id: string) => `handoff/ticket/${id}`;
/** Open (waiting, in-progress) tickets, and the creation counter; small, read by every open queue page and every new ticket. */
const OPEN_KEY = 'handoff/index';
/** Resolved tickets in the order they were resolved; bounded by the retention. */
const RESOLVED_KEY = 'handoff/index/resolved';
const THREAD_KEY = (thread: string) => `handoff/thread/${thread}`;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Markers kept per ticket (Slack messages relayed, "posted" flags): Slack retries within minutes. */
const MAX_MARKERS = 200;

type Stored<T> = T & StoreItem;

/** A ticket as the index knows it: enough to page a queue and to find what retention removes. */
export interface IndexEntry {
  /** Creation order, across both indexes. */
  seq: number;
  id: string;
  status: TicketStatus;
  createdAt: string;
  resolvedAt?: string;
}

interface OpenIndex {
  next: number;
  entries: IndexEntry[];
  /** The format before this one: every ticket's id, in creation order (read once into the two indexes). */
  ids?: string[];
}

interface ResolvedIndex {
  entries: IndexEntry[];
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
 * one ticket are detected and retried, never silently lost. Two indexes list them: the open ones
 * (small: what new tickets and the waiting queue touch) and the resolved ones (bounded by the
 * retention, pruned whenever a ticket is resolved), so a queue page reads one index and its tickets.
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

  /** Stores a new ticket, under `id` when the caller already told the user its number. */
  async create(ticket: Omit<HandoffTicket, 'id'>, id = newTicketId()): Promise<HandoffTicket> {
    const created = { ...ticket, id };
    await this.ensureIndex();
    await retryOnETagConflict(async () => {
      const open = await this.readOne<OpenIndex>(OPEN_KEY);
      // Only a ticket stored as resolved already (imports, tests) needs the large index.
      const resolved = created.status === 'resolved' ? await this.readOne<ResolvedIndex>(RESOLVED_KEY) : undefined;
      if (!open || (created.status === 'resolved' && !resolved)) throw new Error('the ticket index disappeared');
      const entry = entryOf(created, open.next);
      // Ticket and index in one write (all or nothing on LevelStorage and RedisStorage): a crash
      // leaves no ticket that the list does not show.
      await this.storage.write({
        [OPEN_KEY]: { next: open.next + 1, entries: resolved ? open.entries : [...open.entries, entry], eTag: open.eTag },
        ...(resolved ? { [RESOLVED_KEY]: { entries: [...resolved.entries, entry], eTag: resolved.eTag } } : {}),
        [TICKET_KEY(created.id)]: { ...created, eTag: '*' },
      });
    });
    return created;
  }

  /**
   * Storage has no "create if absent": the empty indexes are written once (per process) before any
   * append, and every append is eTag-checked, so concurrent creates cannot overwrite each other.
   * An index of the older format (ids only) is read into the two indexes, once.
   */
  private ensureIndex(): Promise<void> {
    this.indexReady ??= (async () => {
      const [open, resolved] = await Promise.all([this.readOne<OpenIndex>(OPEN_KEY), this.readOne<ResolvedIndex>(RESOLVED_KEY)]);
      if (open?.entries && resolved) return;
      const tickets = open?.ids ? (await this.readTickets(open.ids)).filter((t) => t !== undefined) : [];
      const entries = tickets.map((t, seq) => entryOf(t, seq));
      const byResolution = entries.filter((e) => e.status === 'resolved').sort((a, b) => (a.resolvedAt ?? '').localeCompare(b.resolvedAt ?? ''));
      // Conflicts (harmlessly) where another instance sharing the storage has just written them, rather than emptying them.
      await this.storage
        .write({
          [OPEN_KEY]: { next: entries.length, entries: entries.filter((e) => e.status !== 'resolved'), eTag: open?.eTag ?? CREATE_ONLY_ETAG },
          [RESOLVED_KEY]: { entries: byResolution, eTag: resolved?.eTag ?? CREATE_ONLY_ETAG },
        })
        .catch((err: unknown) => {
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

  /** Every ticket (with this status), in creation order. */
  async list(status?: TicketStatus): Promise<HandoffTicket[]> {
    const { open, resolved } = await this.indexes();
    const entries = [...open, ...resolved].filter((e) => !status || e.status === status).sort((a, b) => a.seq - b.seq);
    return (await this.readTickets(entries.map((e) => e.id))).filter((t): t is HandoffTicket => t !== undefined && (!status || t.status === status));
  }

  /**
   * One page of a queue: waiting and in-progress tickets longest-waiting first, resolved ones
   * latest first. Reads one index and the page's tickets.
   */
  async page(status: TicketStatus, offset: number, limit: number): Promise<TicketPage> {
    await this.ensureIndex();
    const entries =
      status === 'resolved'
        ? [...((await this.readOne<ResolvedIndex>(RESOLVED_KEY))?.entries ?? [])].reverse()
        : ((await this.readOne<OpenIndex>(OPEN_KEY))?.entries ?? []).filter((e) => e.status === status);
    const tickets = await this.readTickets(entries.slice(offset, offset + limit).map((e) => e.id));
    // The index follows the ticket just after it is written: a ticket whose status moved meanwhile is left to its own page.
    return { tickets: tickets.filter((t): t is HandoffTicket => t !== undefined && t.status === status), total: entries.length };
  }

  /** How many tickets have each status. */
  async counts(): Promise<Record<TicketStatus, number>> {
    const { open, resolved } = await this.indexes();
    return { waiting: open.filter((e) => e.status === 'waiting').length, 'in-progress': open.filter((e) => e.status === 'in-progress').length, resolved: resolved.length };
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
    const alreadyClaimed = new Error(marker);
    try {
      await this.update(id, (t) => {
        const markers = t.helpdesk.markers ?? [];
        // Thrown, so that nothing is written: a change that throws is not retried either.
        if (markers.includes(marker)) throw alreadyClaimed;
        return { ...t, helpdesk: { ...t.helpdesk, markers: [...markers, marker].slice(-MAX_MARKERS) } };
      });
      return true;
    } catch (err) {
      if (err === alreadyClaimed) return false;
      throw err;
    }
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

  /**
   * Moves the ticket's entry to the index of its status (idempotent, so a retry after a partial write
   * heals it); on resolving, resolved tickets past the retention leave, deleted with what belongs to them.
   */
  private async reindex(ticket: HandoffTicket): Promise<void> {
    await this.ensureIndex();
    const expired = await retryOnETagConflict(async () => {
      const [open, resolved] = await Promise.all([this.readOne<OpenIndex>(OPEN_KEY), this.readOne<ResolvedIndex>(RESOLVED_KEY)]);
      if (!open || !resolved) throw new Error('the ticket index disappeared');
      const seq = [...open.entries, ...resolved.entries].find((e) => e.id === ticket.id)?.seq ?? open.next;
      const entry = entryOf(ticket, seq);
      const openEntries = open.entries.filter((e) => e.id !== ticket.id);
      let resolvedEntries = resolved.entries.filter((e) => e.id !== ticket.id);
      if (entry.status === 'resolved') resolvedEntries.push(entry);
      else {
        openEntries.push(entry);
        openEntries.sort((a, b) => a.seq - b.seq);
      }
      const cutoff = this.now().getTime() - this.retentionMs;
      const gone = resolvedEntries.filter((e) => Date.parse(e.resolvedAt ?? '') < cutoff);
      if (gone.length) resolvedEntries = resolvedEntries.filter((e) => !gone.includes(e));
      await this.storage.write({ [OPEN_KEY]: { next: open.next, entries: openEntries, eTag: open.eTag }, [RESOLVED_KEY]: { entries: resolvedEntries, eTag: resolved.eTag } });
      return gone;
    });
    if (expired.length) await this.remove(expired.map((e) => e.id));
  }

  /** Deletes tickets (their transcripts are inside) and their thread links. */
  private async remove(ids: string[]): Promise<void> {
    const tickets = await this.readTickets(ids);
    const threads = tickets.flatMap((t) => t?.helpdesk.threads ?? []);
    await this.storage.delete([...ids.map(TICKET_KEY), ...threads.map(THREAD_KEY)]);
  }

  private async indexes(): Promise<{ open: IndexEntry[]; resolved: IndexEntry[] }> {
    await this.ensureIndex();
    const [open, resolved] = await Promise.all([this.readOne<OpenIndex>(OPEN_KEY), this.readOne<ResolvedIndex>(RESOLVED_KEY)]);
    return { open: open?.entries ?? [], resolved: resolved?.entries ?? [] };
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

function entryOf(ticket: HandoffTicket, seq: number): IndexEntry {
  return { seq, id: ticket.id, status: ticket.status, createdAt: ticket.createdAt, ...(ticket.resolvedAt ? { resolvedAt: ticket.resolvedAt } : {}) };
}

function withoutETag<T extends StoreItem>(item: T): T {
  const { eTag: _ignored, ...rest } = item;
  return rest as T;
}

import { randomBytes } from 'node:crypto';
import type { Storage, StoreItem } from 'botbuilder';
import type { HandoffTicket, TicketStatus } from './ticket';
import { CREATE_ONLY_ETAG, isETagConflict, retryOnETagConflict } from '../storage/eTagRetry';

const TICKET_KEY = (id: string) => `handoff/ticket/${id}`;
const INDEX_KEY = 'handoff/index';
const THREAD_KEY = (thread: string) => `handoff/thread/${thread}`;

type Stored<T> = T & StoreItem;

/** Random, so numbers can be handed out before the ticket is stored, on any instance. */
export function newTicketId(): string {
  return `HD-${randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * Tickets in botbuilder Storage (memory, disk or Redis), written with eTags: concurrent changes to
 * one ticket are detected and retried, never silently lost.
 */
export class TicketStore {
  private indexReady?: Promise<void>;

  constructor(private readonly storage: Storage) {}

  /** Stores a new ticket, under `id` when the caller already told the user its number. */
  async create(ticket: Omit<HandoffTicket, 'id'>, id = newTicketId()): Promise<HandoffTicket> {
    const created = { ...ticket, id };
    await this.ensureIndex();
    await retryOnETagConflict(async () => {
      const index = await this.readOne<{ ids: string[] }>(INDEX_KEY);
      if (!index) throw new Error('the ticket index disappeared');
      // Ticket and index in one write (all or nothing on LevelStorage and RedisStorage): a crash
      // leaves no ticket that the list does not show.
      await this.storage.write({ [TICKET_KEY(created.id)]: { ...created, eTag: '*' }, [INDEX_KEY]: { ids: [...index.ids, created.id], eTag: index.eTag } });
    });
    return created;
  }

  /**
   * Storage has no "create if absent": an empty index is written once (per process) before any
   * append, and every append is eTag-checked, so concurrent creates cannot overwrite each other.
   */
  private ensureIndex(): Promise<void> {
    this.indexReady ??= (async () => {
      if (await this.readOne(INDEX_KEY)) return;
      // Conflicts (harmlessly) where another instance sharing the storage has just created it, rather than emptying it.
      await this.storage.write({ [INDEX_KEY]: { ids: [], eTag: CREATE_ONLY_ETAG } }).catch((err: unknown) => {
        if (!isETagConflict(err)) throw err;
      });
    })();
    return this.indexReady;
  }

  async get(id: string): Promise<HandoffTicket | undefined> {
    const stored = await this.readOne<HandoffTicket>(TICKET_KEY(id));
    return stored ? withoutETag(stored) : undefined;
  }

  async list(status?: TicketStatus): Promise<HandoffTicket[]> {
    const index = await this.readOne<{ ids: string[] }>(INDEX_KEY);
    const ids = index?.ids ?? [];
    if (ids.length === 0) return [];
    const items = await this.storage.read(ids.map(TICKET_KEY));
    return ids
      .map((id) => items[TICKET_KEY(id)] as Stored<HandoffTicket> | undefined)
      .filter((t): t is Stored<HandoffTicket> => t !== undefined && (!status || t.status === status))
      .map(withoutETag);
  }

  /**
   * Applies `change` to the current ticket and writes it if nobody wrote in between; otherwise reads
   * again and retries. `change` may throw to refuse (e.g. a ticket already taken).
   */
  async update(id: string, change: (ticket: HandoffTicket) => HandoffTicket): Promise<HandoffTicket> {
    return retryOnETagConflict(async () => {
      const current = await this.readOne<HandoffTicket>(TICKET_KEY(id));
      if (!current) throw new TicketNotFoundError(id);
      const next = change(withoutETag(current));
      await this.storage.write({ [TICKET_KEY(id)]: { ...next, eTag: current.eTag } });
      return next;
    });
  }

  /** Remembers which ticket a helpdesk thread (a Slack ts, a Teams reply chain) belongs to. */
  async linkThread(thread: string, ticketId: string): Promise<void> {
    await this.storage.write({ [THREAD_KEY(thread)]: { ticketId } });
  }

  async ticketOfThread(thread: string): Promise<HandoffTicket | undefined> {
    const link = await this.readOne<{ ticketId: string }>(THREAD_KEY(thread));
    return link ? this.get(link.ticketId) : undefined;
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


function withoutETag<T extends StoreItem>(item: T): T {
  const { eTag: _ignored, ...rest } = item;
  return rest as T;
}

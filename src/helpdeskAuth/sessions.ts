import { createHash, randomBytes } from 'node:crypto';
import type { Storage } from 'botbuilder';

/** Who is signed in to the helpdesk console and dashboard. */
export interface SignedInAgent {
  /** Stable per person: the Entra object id (`oid`), else the provider's `sub`; `token` for the token sign-in. */
  id: string;
  /** Shown to users and colleagues (「担当者（…）が対応します」). */
  name: string;
}

export interface Session {
  agent: SignedInAgent;
  /** Sent back by the pages in the X-CSRF-Token header (or a form's `csrf` field) with every state-changing request. */
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** A random opaque id for cookies and CSRF tokens: 256 bits, base64url. */
export const newOpaqueId = () => randomBytes(32).toString('base64url');

/**
 * Sessions in the bot's Storage (DATA_DIR or Redis), so every instance behind a
 * load balancer knows every session. Records are keyed by a hash of the cookie's id: whoever reads
 * the store cannot turn a key into a cookie. An expired session is refused and deleted when met.
 */
export class SessionStore {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date,
    private readonly lifetimeMinutes: number,
  ) {}

  /** A new session; returns the id to put in the cookie. */
  async create(agent: SignedInAgent): Promise<{ id: string; session: Session }> {
    const id = newOpaqueId();
    const now = this.now();
    const session: Session = { agent, csrfToken: newOpaqueId(), createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.lifetimeMinutes * 60_000).toISOString() };
    await this.storage.write({ [sessionKey(id)]: session });
    return { id, session };
  }

  async get(id: string): Promise<Session | undefined> {
    const key = sessionKey(id);
    const item = (await this.storage.read([key]))[key] as (Session & { eTag?: string }) | undefined;
    if (!item) return undefined;
    if (!(Date.parse(item.expiresAt) > this.now().getTime())) {
      await this.storage.delete([key]);
      return undefined;
    }
    const { eTag: _ignored, ...session } = item;
    return session;
  }

  async delete(id: string): Promise<void> {
    await this.storage.delete([sessionKey(id)]);
  }
}

const hashed = (id: string) => createHash('sha256').update(id).digest('base64url');
const sessionKey = (id: string) => `helpdesk/session/${hashed(id)}`;

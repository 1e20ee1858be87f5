import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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

/** A sign-in started at the identity provider and not yet come back (one use, ten minutes). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  /** Where to go once signed in: a /helpdesk path. */
  next: string;
  expiresAt: string;
}

export const SIGN_IN_MINUTES = 10;

/** A random opaque id for cookies and CSRF tokens: 256 bits, base64url. */
export const newOpaqueId = () => randomBytes(32).toString('base64url');

/** Secrets compared in constant time; different lengths are simply different. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Sessions and pending sign-ins in the bot's Storage (DATA_DIR or Redis), so every instance behind a
 * load balancer knows every session. Records are keyed by a hash of the cookie's id: whoever reads
 * the store cannot turn a key into a cookie. Expired records are refused and deleted when met.
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
    return this.readLive<Session>(sessionKey(id));
  }

  async delete(id: string): Promise<void> {
    await this.storage.delete([sessionKey(id)]);
  }

  async savePending(pending: Omit<PendingSignIn, 'expiresAt'>): Promise<string> {
    const id = newOpaqueId();
    await this.storage.write({ [pendingKey(id)]: { ...pending, expiresAt: new Date(this.now().getTime() + SIGN_IN_MINUTES * 60_000).toISOString() } });
    return id;
  }

  /** The pending sign-in, removed: a callback is good once. */
  async takePending(id: string): Promise<PendingSignIn | undefined> {
    const pending = await this.readLive<PendingSignIn>(pendingKey(id));
    if (pending) await this.storage.delete([pendingKey(id)]);
    return pending;
  }

  private async readLive<T extends { expiresAt: string }>(key: string): Promise<T | undefined> {
    const item = (await this.storage.read([key]))[key] as (T & { eTag?: string }) | undefined;
    if (!item) return undefined;
    if (!(Date.parse(item.expiresAt) > this.now().getTime())) {
      await this.storage.delete([key]);
      return undefined;
    }
    const { eTag: _ignored, ...rest } = item;
    return rest as unknown as T;
  }
}

const hashed = (id: string) => createHash('sha256').update(id).digest('base64url');
const sessionKey = (id: string) => `helpdesk/session/${hashed(id)}`;
const pendingKey = (id: string) => `helpdesk/signin/${hashed(id)}`;

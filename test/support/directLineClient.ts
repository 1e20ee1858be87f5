import { expect } from 'vitest';
import { http, type CardActivity } from './server';

export interface DirectLineSession {
  conversationId: string;
  token: string;
  expires_in: number;
}

export interface DirectLineActivity extends CardActivity {
  id: string;
  value?: unknown;
}

/**
 * A Direct Line 3.0 client over plain HTTP, as Web Chat polls: it posts activities and reads the
 * conversation with a watermark, so each read returns only what is newer.
 */
export class DirectLineClient {
  /** The watermark of the last read; undefined before the first. */
  watermark: string | undefined;

  constructor(
    readonly base: string,
    readonly session: DirectLineSession,
    readonly user = { id: 'dl-user-1', name: '利用者' },
  ) {}

  get url(): string {
    return `${this.base}/v3/directline/conversations/${encodeURIComponent(this.session.conversationId)}`;
  }

  /** tokens/generate with the secret, then conversations with that token: what a vendor's page does. */
  static async start(base: string, secret: string): Promise<DirectLineClient> {
    const generated = await http<DirectLineSession>(`${base}/v3/directline/tokens/generate`, { method: 'POST', auth: secret });
    expect(generated.status).toBe(200);
    const started = await http<DirectLineSession>(`${base}/v3/directline/conversations`, { method: 'POST', auth: generated.json.token });
    expect(started.status).toBe(201);
    return new DirectLineClient(base, { ...generated.json, ...started.json });
  }

  /** Posts one activity from this user; returns the id the service gave it. */
  async post(activity: Record<string, unknown>): Promise<string> {
    const res = await http<{ id: string }>(`${this.url}/activities`, { auth: this.session.token, body: { from: this.user, locale: 'ja-JP', ...activity } });
    expect(res.status, res.text).toBe(200);
    return res.json.id;
  }

  /** Activities newer than the last read (all of them on the first read). */
  async poll(): Promise<DirectLineActivity[]> {
    const query = this.watermark === undefined ? '' : `?watermark=${encodeURIComponent(this.watermark)}`;
    const res = await http<{ activities: DirectLineActivity[]; watermark: string }>(`${this.url}/activities${query}`, { auth: this.session.token });
    expect(res.status, res.text).toBe(200);
    expect(typeof res.json.watermark).toBe('string');
    this.watermark = res.json.watermark;
    return res.json.activities;
  }

  /** Sends a message and returns what is new in the conversation: the user's own message first, then the bot's replies. */
  async say(text: string): Promise<DirectLineActivity[]> {
    await this.post({ type: 'message', text });
    return this.poll();
  }

  /** Clicks a card button as Web Chat posts an Action.Submit: a message with the button's data as value and no text. */
  async click(data: object): Promise<DirectLineActivity[]> {
    await this.post({ type: 'message', value: data });
    return this.poll();
  }
}

/** The claims inside a Direct Line token issued by our TokenSigner. */
export function tokenClaims(token: string): { c: string; e: number } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { c: string; e: number };
}

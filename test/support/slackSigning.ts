import { createHmac } from 'node:crypto';

/**
 * Requests as Slack sends them to the Request URL: signed with the app's signing secret
 * (https://api.slack.com/authentication/verifying-requests-from-slack): the signature is
 * `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, sent with the timestamp in headers.
 */
export const TEST_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

/** Seconds since the epoch, as Slack stamps x-slack-request-timestamp. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SendOptions {
  secret?: string;
  /** x-slack-request-timestamp; now unless given (a stale one is > 5 minutes old). */
  timestamp?: number;
  /** Replaces the computed signature (a forged request). */
  signature?: string;
  /** Extra headers: x-slack-retry-num, x-slack-retry-reason… */
  headers?: Record<string, string>;
  /** Leaves out the signature headers entirely. */
  unsigned?: boolean;
}

export interface SlackResponse {
  status: number;
  text: string;
  /** performance.now() when the response had fully arrived. */
  at: number;
  /** How long the request took, in ms. */
  elapsedMs: number;
}

/** POSTs a raw body to the Slack endpoint, signed unless told otherwise. */
export async function sendToSlack(url: string, rawBody: string, contentType: string, options: SendOptions = {}): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? nowSeconds();
  const headers: Record<string, string> = { 'content-type': contentType, ...options.headers };
  if (!options.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = options.signature ?? slackSignature(options.secret ?? TEST_SIGNING_SECRET, timestamp, rawBody);
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: rawBody, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const at = performance.now();
  return { status: res.status, text, at, elapsedMs: at - started };
}

/** An Events API request: JSON. */
export const sendEvent = (url: string, body: object | string, options?: SendOptions) =>
  sendToSlack(url, typeof body === 'string' ? body : JSON.stringify(body), 'application/json', options);

/** An interactivity request: form-encoded `payload=<json>`. */
export const sendInteraction = (url: string, payload: object, options?: SendOptions) =>
  sendToSlack(url, `payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded', options);

// ---- payloads, shaped like Slack's ----

let counter = 0;
/** A unique suffix for ids and ts values within one test run. */
export const unique = (): number => ++counter;

/** A message ts as Slack writes it ("1800000123.000200"), unique per call. */
export const newTs = (): string => `${1_900_000_000 + unique()}.000200`;

export interface EventEnvelopeOptions {
  teamId: string;
  apiAppId?: string;
  eventId?: string;
}

/** The event_callback envelope around one event. */
export function eventCallback(event: Record<string, unknown>, { teamId, apiAppId = 'A0HELPDESK', eventId = `Ev${unique()}` }: EventEnvelopeOptions) {
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    api_app_id: apiAppId,
    event: { event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: nowSeconds(),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: 'U0HELPBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-event-context-${eventId}`,
  };
}

/** A user's message in the bot's Messages tab (message.im). */
export function imMessage(o: { user: string; channel: string; text: string; ts?: string; thread_ts?: string; extra?: Record<string, unknown> }) {
  return {
    type: 'message',
    channel_type: 'im',
    channel: o.channel,
    user: o.user,
    text: o.text,
    ts: o.ts ?? newTs(),
    ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
    ...o.extra,
  };
}

/** "@bot …" in a channel (app_mention); thread_ts when the mention is a reply in a thread. */
export function appMention(o: { user: string; channel: string; text: string; ts?: string; thread_ts?: string }) {
  return {
    type: 'app_mention',
    channel: o.channel,
    user: o.user,
    text: o.text,
    ts: o.ts ?? newTs(),
    ...(o.thread_ts ? { thread_ts: o.thread_ts } : {}),
  };
}

export interface ClickOptions {
  teamId: string;
  user: string;
  channel: string;
  /** The clicked message: its ts, and its thread_ts when it was posted in a thread. */
  message: { ts: string; thread_ts?: string; text?: string; blocks?: unknown[] };
  action: { action_id: string; block_id?: string; value: string; label: string };
  responseUrl?: string;
}

/** A block_actions payload: a button click on one of the bot's messages. */
export function blockActions(o: ClickOptions) {
  const n = unique();
  return {
    type: 'block_actions',
    user: { id: o.user, username: o.user.toLowerCase(), name: o.user.toLowerCase(), team_id: o.teamId },
    api_app_id: 'A0HELPDESK',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: o.message.ts,
      channel_id: o.channel,
      is_ephemeral: false,
      ...(o.message.thread_ts ? { thread_ts: o.message.thread_ts } : {}),
    },
    trigger_id: `${n}.1234567890.abcdef${n}`,
    team: { id: o.teamId, domain: 'helpdesk-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channel, name: o.channel.startsWith('D') ? 'directmessage' : 'helpdesk' },
    message: {
      type: 'message',
      user: 'U0HELPBOT',
      bot_id: 'B0HELPBOT',
      ts: o.message.ts,
      text: o.message.text ?? '',
      blocks: o.message.blocks ?? [],
      ...(o.message.thread_ts ? { thread_ts: o.message.thread_ts } : {}),
    },
    state: { values: {} },
    response_url: o.responseUrl ?? 'https://hooks.slack.com/actions/T0HELPDESK/1/unused',
    actions: [
      {
        action_id: o.action.action_id,
        block_id: o.action.block_id ?? 'choices',
        text: { type: 'plain_text', text: o.action.label, emoji: true },
        value: o.action.value,
        type: 'button',
        action_ts: `${nowSeconds()}.${String(n).padStart(6, '0')}`,
      },
    ],
  };
}

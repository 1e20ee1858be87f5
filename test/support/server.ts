import './quietDeprecations';
import { MemoryStorage } from 'botbuilder';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';

/** A Direct Line secret for tests: long enough for the config (>= 16 characters). */
export const TEST_SECRET = 'test-direct-line-secret-0123456789abcdef';
/** The fixed PORT put in the config, so the default web chat origin is known (the server itself listens on port 0). */
export const CONFIG_PORT = 3978;

export interface RunningApp {
  app: App;
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

/**
 * The real server (createApp) on an ephemeral port, configured from env like `npm start` is,
 * with a silent logger and a fixed clock for business hours. No .env file is read. `options`:
 * Direct Line timings (short token lifetimes, keep-alives), a logger to read.
 */
export async function startApp(
  env: Record<string, string> = {},
  now = () => new Date('2026-11-19T10:00:00+09:00'),
  options: Pick<AppOptions, 'directLine' | 'helpdeskConsole' | 'log'> = {},
): Promise<RunningApp> {
  const config = loadConfig({ PORT: String(CONFIG_PORT), ...env }, '/nonexistent');
  // State in memory: test files run in parallel and must not share (or lock) DATA_DIR.
  const app = createApp(config, { log: createLogger('silent'), now, storage: new MemoryStorage(), ...options });
  const port = await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: T;
}

/** One HTTP request; the body is sent as is when a string, else as JSON. */
export async function http<T = any>(
  url: string,
  init: { method?: string; auth?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== undefined) headers.authorization = `Bearer ${init.auth}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let json: T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined as T;
  }
  return { status: res.status, headers: res.headers, text, json };
}

// ---- Adaptive Card reading ----

interface CardNode {
  type?: string;
  text?: string;
  body?: CardNode[];
  items?: CardNode[];
  columns?: CardNode[];
  facts?: Array<{ title: string; value: string }>;
}

export interface CardAction {
  type: string;
  title: string;
  data: { choice: string; promptId?: string; msteams?: { type: string; text: string; displayText: string } };
}

export interface CardActivity {
  type?: string;
  text?: string;
  from?: { id: string; name?: string };
  attachments?: Array<{ contentType: string; content: any }>;
  [key: string]: unknown;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Card of an activity, or undefined. */
export function cardOf(activity: CardActivity): { body: CardNode[]; actions: CardAction[]; version: string } | undefined {
  return activity.attachments?.find((a) => a.contentType === ADAPTIVE_CARD)?.content;
}

/** Every TextBlock text of a card, in order (steps' numbers included). */
export function cardTexts(activity: CardActivity): string[] {
  const out: string[] = [];
  const walk = (nodes: CardNode[] | undefined) => {
    for (const node of nodes ?? []) {
      if (node.type === 'TextBlock' && typeof node.text === 'string') out.push(node.text);
      for (const fact of node.facts ?? []) out.push(`${fact.title}: ${fact.value}`);
      walk(node.items);
      walk(node.columns);
      walk(node.body);
    }
  };
  walk(cardOf(activity)?.body);
  return out;
}

/** What a reader sees: the card's text (or the activity's text), one block per line. */
export function visibleText(activity: CardActivity): string {
  return cardOf(activity) ? cardTexts(activity).join('\n') : (activity.text ?? '');
}

/** The numbered steps of a card: the ColumnSets whose first column is "n.". */
export function cardSteps(activity: CardActivity): Array<{ number: string; text: string }> {
  const steps: Array<{ number: string; text: string }> = [];
  for (const node of cardOf(activity)?.body ?? []) {
    if (node.type !== 'ColumnSet') continue;
    const [numberColumn, textColumn] = node.columns ?? [];
    const number = numberColumn?.items?.[0]?.text ?? '';
    if (/^\d+\.$/.test(number)) steps.push({ number, text: textColumn?.items?.[0]?.text ?? '' });
  }
  return steps;
}

/** The button titles of a card. */
export function buttons(activity: CardActivity): string[] {
  return (cardOf(activity)?.actions ?? []).map((a) => a.title);
}

/** The Action.Submit data of the button with this title. */
export function buttonData(activity: CardActivity, title: string): CardAction['data'] {
  const action = cardOf(activity)?.actions.find((a) => a.title === title);
  if (!action) throw new Error(`no button 「${title}」; the card has ${JSON.stringify(buttons(activity))}`);
  return action.data;
}

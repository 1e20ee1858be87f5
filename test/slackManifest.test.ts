/**
 * The Slack app manifest (manifest/slack/manifest.yml) against what the code does: the events the
 * Slack channel listens to are subscribed, clicks reach the same endpoint, and the bot asks for the
 * scopes those need and nothing broader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const MANIFEST_PATH = join(ROOT, 'manifest', 'slack', 'manifest.yml');
const CHANNEL_SOURCE = readFileSync(join(ROOT, 'src', 'channels', 'slack', 'slackChannel.ts'), 'utf8');
const HELPDESK_SOURCE = readFileSync(join(ROOT, 'src', 'channels', 'slack', 'slackHelpdesk.ts'), 'utf8');

interface SlackManifest {
  _metadata?: { major_version?: number; minor_version?: number };
  display_information: { name: string; description?: string; background_color?: string; long_description?: string };
  features?: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean; messages_tab_read_only_enabled?: boolean };
    bot_user?: { display_name: string; always_online?: boolean };
    [key: string]: unknown;
  };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[]; bot_optional?: string[]; user_optional?: string[] }; redirect_urls?: string[] };
  settings?: {
    event_subscriptions?: { request_url?: string; bot_events?: string[]; user_events?: string[] };
    interactivity?: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled?: boolean;
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

function load(): SlackManifest {
  // load throws on a YAML error (duplicate keys included); warnings are collected.
  const warnings: string[] = [];
  const manifest = loadYaml(readFileSync(MANIFEST_PATH, 'utf8'), { onWarning: (w) => warnings.push(w.message) });
  expect(warnings, 'YAML warnings').toEqual([]);
  return manifest as SlackManifest;
}

const manifest = load();
const events = manifest.settings?.event_subscriptions;
const interactivity = manifest.settings?.interactivity;
const botScopes = manifest.oauth_config?.scopes?.bot ?? [];

/** The Events API events the Slack channel handles, read from its source so the two cannot drift. */
function eventsTheCodeListensTo(): string[] {
  const out = [...CHANNEL_SOURCE.matchAll(/\.app\.event\(\s*'([a-z_.]+)'/g)].map((m) => m[1]!);
  // app.message(...) gets every message event; the handler keeps only channel_type 'im' (message.im).
  if (/\.app\.message\(/.test(CHANNEL_SOURCE)) {
    expect(CHANNEL_SOURCE, 'the message handler keeps DMs only').toMatch(/channel_type !== 'im'/);
    out.push('message.im');
  }
  // The helpdesk's app.message(...) keeps only messages of the one helpdesk channel, public or private
  // (HELPDESK_SLACK_CHANNEL may be C… or G…): message.channels and message.groups.
  out.push(...[...HELPDESK_SOURCE.matchAll(/\.app\.event\(\s*'([a-z_.]+)'/g)].map((m) => m[1]!));
  if (/\bapp\.message\(/.test(HELPDESK_SOURCE)) {
    expect(HELPDESK_SOURCE, 'the helpdesk message handler keeps the helpdesk channel only').toMatch(/message\.channel !== this\.channelId/);
    out.push('message.channels', 'message.groups');
  }
  return out;
}

/** The one path Bolt's HTTPReceiver serves, from the source. */
const EVENTS_PATH = /const EVENTS_PATH = '([^']+)'/.exec(CHANNEL_SOURCE)?.[1];

/** The bot scope each subscribed event needs (https://api.slack.com/events). */
const SCOPE_FOR_EVENT: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.im': 'im:history',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.mpim': 'mpim:history',
};

/**
 * All the bot may ask for: the events' scopes, chat:write for chat.postMessage / chat.update /
 * chat.postEphemeral, the DM basics, and the helpdesk channel's history (public or private) for agents'
 * replies in ticket threads.
 */
const ALLOWED_SCOPES = new Set(['app_mentions:read', 'channels:history', 'chat:write', 'groups:history', 'im:history', 'im:read', 'im:write']);

describe('Slack app manifest', () => {
  it('is a version-1 manifest with only known sections', () => {
    expect(manifest._metadata?.major_version).toBe(1);
    expect(Object.keys(manifest).every((k) => ['_metadata', 'display_information', 'features', 'oauth_config', 'settings'].includes(k))).toBe(true);
    expect(Object.keys(manifest.settings ?? {}).sort()).toEqual(['event_subscriptions', 'interactivity', 'org_deploy_enabled', 'socket_mode_enabled', 'token_rotation_enabled']);
  });

  it('introduces the bot in Japanese, within Slack’s limits', () => {
    const { name, description, background_color, long_description } = manifest.display_information;
    const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
    expect(name).toMatch(japanese);
    expect(name.length).toBeGreaterThan(0);
    expect(name.length).toBeLessThanOrEqual(35);
    expect(description).toMatch(japanese);
    expect(description!.length).toBeLessThanOrEqual(140);
    expect(description).toContain('ケアプランデータ連携システム');
    if (background_color !== undefined) expect(background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
    if (long_description !== undefined) expect(long_description.length).toBeGreaterThanOrEqual(175);
  });

  it('has a bot user that is always online and a Messages tab users can write in', () => {
    const bot = manifest.features?.bot_user;
    expect(bot?.display_name.length).toBeGreaterThan(0);
    expect(bot!.display_name.length).toBeLessThanOrEqual(80);
    expect(bot?.always_online).toBe(true);
    expect(manifest.features?.app_home?.messages_tab_enabled).toBe(true);
    expect(manifest.features?.app_home?.messages_tab_read_only_enabled).toBe(false);
  });

  it('subscribes to exactly the bot events the code listens to (message.im, app_mention, and the helpdesk channel’s messages)', () => {
    const handled = eventsTheCodeListensTo();
    expect(handled.sort()).toEqual(['app_mention', 'message.channels', 'message.groups', 'message.im']);
    expect([...(events?.bot_events ?? [])].sort()).toEqual(handled.sort());
    expect(events?.user_events ?? []).toEqual([]);
  });

  it('sends events and button clicks to the one Bolt endpoint, /slack/events, over https', () => {
    expect(EVENTS_PATH).toBe('/slack/events');
    expect(interactivity?.is_enabled).toBe(true);
    for (const url of [events?.request_url, interactivity?.request_url]) {
      expect(url).toMatch(/^https:\/\//);
      expect(url!.endsWith(EVENTS_PATH!)).toBe(true);
      expect(new URL(url!.replace('YOUR-HOST', 'bot.example.org')).pathname).toBe(EVENTS_PATH);
    }
    expect(events?.request_url).toBe(interactivity?.request_url);
  });

  it('asks for the bot scopes the events and chat.postMessage need', () => {
    for (const scope of ['app_mentions:read', 'im:history', 'chat:write', 'channels:history', 'groups:history']) expect(botScopes).toContain(scope);
    for (const event of events?.bot_events ?? []) {
      expect(SCOPE_FOR_EVENT[event], `scope for ${event}`).toBeDefined();
      expect(botScopes, `${event} needs ${SCOPE_FOR_EVENT[event]}`).toContain(SCOPE_FOR_EVENT[event]);
    }
    expect(new Set(botScopes).size).toBe(botScopes.length);
  });

  it('asks for nothing broad: no group-DM history, admin, e-mail, user scopes or extras', () => {
    const broad = botScopes.filter(
      (s) => s === 'mpim:history' || s.startsWith('admin') || s === 'users:read.email' || s.startsWith('users:') || s.startsWith('files:') || s === 'chat:write.public' || s === 'chat:write.customize',
    );
    expect(broad).toEqual([]);
    expect(botScopes.filter((s) => !ALLOWED_SCOPES.has(s))).toEqual([]);
    const { user, user_optional, bot_optional } = manifest.oauth_config?.scopes ?? {};
    expect(user ?? []).toEqual([]);
    expect(user_optional ?? []).toEqual([]);
    expect(bot_optional ?? []).toEqual([]);
  });

  it('explains that the channel history scopes and events are for the helpdesk channel', () => {
    const text = readFileSync(MANIFEST_PATH, 'utf8');
    const comments = text
      .split('\n')
      .filter((line) => line.trimStart().startsWith('#'))
      .join('\n');
    expect(comments).toContain('HELPDESK_SLACK_CHANNEL');
    for (const word of ['message.channels', 'message.groups', 'channels:history', 'groups:history']) expect(comments).toContain(word);
    expect(comments).toMatch(/invite/i);
  });

  it('is a single-workspace HTTP app: no org deploy, no Socket Mode, no token rotation', () => {
    expect(manifest.settings?.org_deploy_enabled).toBe(false);
    // HTTP mode is what SLACK_SIGNING_SECRET without SLACK_APP_TOKEN runs; Socket Mode would ignore the request URLs.
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
    // The server reads one fixed SLACK_BOT_TOKEN; rotating tokens (xoxe-) would expire under it.
    expect(manifest.settings?.token_rotation_enabled).toBe(false);
  });
});

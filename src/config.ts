import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { parseClosures } from './helpdesk/businessHours';
import { isLoopbackHttp, type OidcSettings } from './helpdeskAuth/oidc';

const closures = z
  .string()
  .default('')
  .transform((text, ctx) => {
    try {
      return parseClosures(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/** A comma-separated list; blanks dropped. */
const list = z
  .string()
  .optional()
  .transform((text) => (text ?? '').split(',').map((item) => item.trim()).filter(Boolean));

/** Every setting, from the environment (and an optional .env). Defaults need no cloud account. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  /** Interface to listen on; 127.0.0.1 keeps a local trial off the network. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Durable state (conversations, tickets, Direct Line conversations) lives in DATA_DIR/state; one process per directory. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** The state in Redis instead of DATA_DIR: every instance given the same Redis shares conversations and tickets. */
  REDIS_URL: z.url({ protocol: /^rediss?$/, hostname: /./, error: 'must be a redis:// or rediss:// URL' }).optional(),
  /** Put before every Redis key, so that several bots (e.g. staging and production) can share one Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).default('helpdesk:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Extra days the helpdesk is closed: "12-29..01-03,2027-05-06". */
  HELPDESK_CLOSED_DATES: closures,
  /** Largest request body accepted, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 2 ** 20).default(256 * 1024),
  /** Requests per minute from one client address, on every route but /healthz and /metrics (429 beyond); 0: no limit. */
  RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /**
   * New chats per minute from one client address through the page's token endpoint (anyone may call
   * it): each takes one of the Direct Line store's slots, so a flood must not push out live chats.
   */
  RATE_LIMIT_NEW_CHATS_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(20),
  /** Activities per minute into one conversation (Direct Line, /api/messages) or from one Slack user; 0: no limit. */
  RATE_LIMIT_PER_CONVERSATION_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** Reverse proxies in front of the server that append X-Forwarded-For (1 behind Azure App Service); 0 trusts none. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Outgoing calls (Bot Framework connector, Slack Web API): time allowed for one attempt, in ms. */
  OUTGOING_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Outgoing calls: attempts after the first on a timeout, a network error, 408, 429 or 5xx, with backoff. */
  OUTGOING_RETRIES: z.coerce.number().int().min(0).max(10).default(2),

  // Bot Framework (Teams). Without an app id the bot runs in anonymous mode: local use only.
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  MicrosoftAppTenantId: optionalText,

  /** Shared secret of the self-hosted Direct Line; generated at start (and printed) when unset. */
  DIRECT_LINE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  // Slack: off unless a bot token and a signing secret (HTTP) or an app token (Socket Mode) are set.
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)').optional(),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token (xapp-…)').optional(),
  SLACK_API_URL: z.url().optional(),

  // Hand-off to the human helpdesk.
  /** Bearer token of the helpdesk API (/api/handoffs); generated at start (and printed) when unset. */
  HELPDESK_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Slack channel id (C…) where tickets are posted, one thread each; needs Slack configured. */
  HELPDESK_SLACK_CHANNEL: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id (C…)').optional(),
  /** Teams channel id (19:…@thread.tacv2) where tickets are posted, with the service URL of its tenant. */
  HELPDESK_TEAMS_CHANNEL_ID: z.string().regex(/^19:.+@thread\./, 'must be a Teams channel id (19:…@thread.…)').optional(),
  HELPDESK_TEAMS_SERVICE_URL: z.url().optional(),
  /** Days a resolved ticket stays (queue, API); then it is deleted with its transcript. */
  HANDOFF_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),

  // Sign-in to the helpdesk's pages (/helpdesk). Microsoft Entra ID when the three OIDC settings are set, else HELPDESK_API_TOKEN.
  /** The OpenID Connect issuer, e.g. https://login.microsoftonline.com/<tenant id>/v2.0 (http only on this machine, for tests). */
  HELPDESK_OIDC_ISSUER: z
    .url()
    .refine((u) => new URL(u).protocol === 'https:' || isLoopbackHttp(new URL(u)), 'must be an https:// URL (http:// only for localhost)')
    .optional(),
  HELPDESK_OIDC_CLIENT_ID: optionalText,
  HELPDESK_OIDC_CLIENT_SECRET: optionalText,
  /** Who may sign in: each list that is set must be met (tenant ids, group object ids, mail domains). */
  HELPDESK_OIDC_ALLOWED_TENANTS: list,
  HELPDESK_OIDC_ALLOWED_GROUPS: list,
  HELPDESK_OIDC_ALLOWED_DOMAINS: list.transform((domains) => domains.map((d) => d.toLowerCase().replace(/^@/, ''))),
  /** The name agents signed in with HELPDESK_API_TOKEN go by: the token is shared and names no one. */
  HELPDESK_AGENT_NAME: z.string().trim().min(1).max(50).default('ヘルプデスク'),
  /** How long a helpdesk sign-in lasts. */
  HELPDESK_SESSION_HOURS: z.coerce.number().int().min(1).max(168).default(12),

  /** Origins whose pages may ask /api/webchat/token for a chat; defaults to this server on localhost. */
  WEBCHAT_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((text) => (text ?? '').split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url().transform((u) => new URL(u).origin))),
});
export type Config = z.infer<typeof Config>;


/** Slack's settings when it is configured, else undefined (Slack off). */
export function slackSettings(config: Config) {
  const { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL, OUTGOING_TIMEOUT_MS, OUTGOING_RETRIES } = config;
  if (!SLACK_BOT_TOKEN || (!SLACK_SIGNING_SECRET && !SLACK_APP_TOKEN)) return undefined;
  return { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL, OUTGOING_TIMEOUT_MS, OUTGOING_RETRIES };
}

/** The helpdesk's OpenID Connect sign-in when it is configured, else undefined (token sign-in). */
export function oidcSettings(config: Config): OidcSettings | undefined {
  const { HELPDESK_OIDC_ISSUER, HELPDESK_OIDC_CLIENT_ID, HELPDESK_OIDC_CLIENT_SECRET } = config;
  if (!HELPDESK_OIDC_ISSUER || !HELPDESK_OIDC_CLIENT_ID || !HELPDESK_OIDC_CLIENT_SECRET) return undefined;
  return {
    issuer: HELPDESK_OIDC_ISSUER,
    clientId: HELPDESK_OIDC_CLIENT_ID,
    clientSecret: HELPDESK_OIDC_CLIENT_SECRET,
    allowedTenants: config.HELPDESK_OIDC_ALLOWED_TENANTS,
    allowedGroups: config.HELPDESK_OIDC_ALLOWED_GROUPS,
    allowedDomains: config.HELPDESK_OIDC_ALLOWED_DOMAINS,
  };
}

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): Config {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  const result = Config.safeParse({ ...fromFile, ...env });
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // The Teams helpdesk needs both; one alone would silently turn it off.
  if (result.success && Boolean(result.data.HELPDESK_TEAMS_CHANNEL_ID) !== Boolean(result.data.HELPDESK_TEAMS_SERVICE_URL)) {
    const missing = result.data.HELPDESK_TEAMS_CHANNEL_ID ? 'HELPDESK_TEAMS_SERVICE_URL' : 'HELPDESK_TEAMS_CHANNEL_ID';
    problems.push(`${missing}: must be set together with ${missing === 'HELPDESK_TEAMS_SERVICE_URL' ? 'HELPDESK_TEAMS_CHANNEL_ID' : 'HELPDESK_TEAMS_SERVICE_URL'}`);
  }
  if (result.success) {
    const c = result.data;
    // Half an OIDC setup would silently fall back to the token sign-in; a whole one without limits would let in any Microsoft account.
    const oidc = { HELPDESK_OIDC_ISSUER: c.HELPDESK_OIDC_ISSUER, HELPDESK_OIDC_CLIENT_ID: c.HELPDESK_OIDC_CLIENT_ID, HELPDESK_OIDC_CLIENT_SECRET: c.HELPDESK_OIDC_CLIENT_SECRET };
    const missing = Object.entries(oidc).filter(([, v]) => !v).map(([k]) => k);
    if (missing.length > 0 && missing.length < 3) problems.push(`${missing.join(', ')}: must be set together with ${Object.keys(oidc).filter((k) => !missing.includes(k)).join(', ')}`);
    if (missing.length === 0 && c.HELPDESK_OIDC_ALLOWED_TENANTS.length + c.HELPDESK_OIDC_ALLOWED_GROUPS.length + c.HELPDESK_OIDC_ALLOWED_DOMAINS.length === 0) {
      problems.push('HELPDESK_OIDC_ALLOWED_TENANTS: set it, HELPDESK_OIDC_ALLOWED_GROUPS or HELPDESK_OIDC_ALLOWED_DOMAINS, or any Microsoft account could sign in to the helpdesk');
    }
  }
  if (result.success && problems.length === 0) return result.data;
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { parseClosures } from './helpdesk/businessHours';

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

/** Every setting, from the environment (and an optional .env). Defaults need no cloud account. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  /** Interface to listen on; 127.0.0.1 keeps a local trial off the network. */
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Extra days the helpdesk is closed: "12-29..01-03,2027-05-06". */
  HELPDESK_CLOSED_DATES: closures,
  /** Largest request body accepted, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 2 ** 20).default(256 * 1024),

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
  const { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL } = config;
  if (!SLACK_BOT_TOKEN || (!SLACK_SIGNING_SECRET && !SLACK_APP_TOKEN)) return undefined;
  return { SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_API_URL };
}

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): Config {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  const result = Config.safeParse({ ...fromFile, ...env });
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

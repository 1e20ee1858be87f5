// `npm run report -- [--days N | --from YYYY-MM-DD --to YYYY-MM-DD] [--csv] [--top N] [--url http://host:port]`: the feedback analytics
// report (containment rate, topics, escalations, top unanswered and unsure questions).
//
// Where it reads: with --url, the running server's GET /api/analytics (Bearer HELPDESK_API_TOKEN).
// Otherwise the state store the server uses: Redis when REDIS_URL is set; else DATA_DIR/state, and
// when a running server holds that LevelDB directory (one process per directory), through that
// server at http://127.0.0.1:PORT instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryStorage, type Storage } from 'botbuilder';
import { formatCsv, formatText, MAX_REPORT_DAYS, rangeProblem, reportFrom, type AnalyticsReport, type DayRange } from '../src/analytics/report';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { loadKnowledge } from '../src/knowledge/loader';
import { LevelStorage, StorageOpenError } from '../src/storage/levelStorage';
import { RedisStorage } from '../src/storage/redisStorage';

export interface ReportIo {
  env?: NodeJS.ProcessEnv;
  dotenvPath?: string;
  now?: () => Date;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const USAGE = `usage: npm run report -- [--days N | --from YYYY-MM-DD --to YYYY-MM-DD] [--csv] [--top N] [--url http://host:port]
  --days N   the last N days, today included (default 7)
  --from D, --to D   the days D to D instead (calendar days in the helpdesk's time zone)
  --csv      CSV (section,name,value) instead of text
  --top N    how many questions and entries to list (default 10)
  --url URL  read through this running server (GET /api/analytics with HELPDESK_API_TOKEN)
`;

class UsageError extends Error {}

/** Runs the report; returns the exit code. */
export async function runReport(argv: string[], io: ReportIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  try {
    const args = parseArguments(argv);
    if (args.help) {
      out(USAGE);
      return 0;
    }
    const config = loadConfig(io.env ?? process.env, io.dotenvPath);
    const report = await fetchReport(config, args, io.now ?? (() => new Date()), err);
    out(args.csv ? formatCsv(report) : formatText(report));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) err(`${e.message}\n${USAGE}`);
    else err(`${e instanceof ConfigError || e instanceof StorageOpenError || e instanceof ReportError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

interface Args {
  days: number;
  range?: DayRange;
  top: number;
  csv: boolean;
  url?: string;
  help: boolean;
}

function parseArguments(argv: string[]): Args {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { days: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string' }, csv: { type: 'boolean' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const whole = (name: string, value: string | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
    return Number(value);
  };
  let range: DayRange | undefined;
  if (values.from !== undefined || values.to !== undefined) {
    if (values.days !== undefined) throw new UsageError('--days and --from/--to do not go together');
    range = { from: values.from ?? '', to: values.to ?? '' };
    const problem = rangeProblem(range.from, range.to);
    if (problem) throw new UsageError(`--from/--to: ${problem}`);
  }
  return { days: whole('days', values.days, 7, MAX_REPORT_DAYS), range, top: whole('top', values.top, 10, 1000), csv: values.csv ?? false, url: values.url, help: values.help ?? false };
}

class ReportError extends Error {}

async function fetchReport(config: Config, args: Args, now: () => Date, warn: (text: string) => void): Promise<AnalyticsReport> {
  if (args.url) return fromServer(args.url, config, args);
  const timeZone = loadKnowledge().contact.hours.timeZone;
  const direct = async (storage: Storage) => reportFrom(storage, { now: now(), range: args.range ?? { days: args.days }, timeZone, top: args.top });

  if (config.REDIS_URL) {
    const redis = new RedisStorage(config.REDIS_URL, { prefix: config.REDIS_KEY_PREFIX });
    try {
      return await direct(redis);
    } finally {
      await redis.close();
    }
  }
  const location = join(config.DATA_DIR, 'state');
  // Nothing recorded yet: an empty report, without creating the directory.
  if (!existsSync(location)) return direct(new MemoryStorage());
  const level = new LevelStorage(location);
  try {
    await level.open();
  } catch (e) {
    if (!(e instanceof StorageOpenError) || !/lock/i.test(e.message)) throw e;
    warn(`${location} is in use by the running server; reading through it\n`);
    return fromServer(`http://127.0.0.1:${config.PORT}`, config, args);
  }
  try {
    return await direct(level);
  } finally {
    await level.close();
  }
}

async function fromServer(base: string, config: Config, args: Args): Promise<AnalyticsReport> {
  if (!config.HELPDESK_API_TOKEN) throw new ReportError('reading through the server needs HELPDESK_API_TOKEN (the one the server uses) in the environment or .env');
  const range = args.range ? `from=${args.range.from}&to=${args.range.to}` : `days=${args.days}`;
  const url = `${base.replace(/\/+$/, '')}/api/analytics?${range}&top=${args.top}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${config.HELPDESK_API_TOKEN}` } });
  } catch (e) {
    throw new ReportError(`cannot reach the server at ${base}: ${(e as Error).message}`);
  }
  if (res.status === 401) throw new ReportError(`${base} refused HELPDESK_API_TOKEN (401): use the token the server runs with`);
  if (!res.ok) throw new ReportError(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as AnalyticsReport;
}

if (require.main === module) {
  runReport(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

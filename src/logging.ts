import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The request being handled, across every await on its behalf (its turn too, also after Slack's
 * ack): any logger, the root one included, stamps its lines with the request's id.
 */
export const requestScope = new AsyncLocalStorage<{ reqId: string }>();

/** Field names whose values are never logged, wherever they appear (top level and two levels down). */
const SECRET_FIELDS = [
  'text',
  'password',
  'token',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'x-slack-signature',
  'MicrosoftAppPassword',
  'DIRECT_LINE_SECRET',
  'HELPDESK_API_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
];
const REDACTED_PATHS = SECRET_FIELDS.flatMap((f) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith('[') ? key : f, join('*'), join('*.*')];
});

/**
 * V8's JSON.parse errors quote the start of the input ("Unexpected token 'x', "パスワードは…"... is
 * not valid JSON"); a library that logs such an error (Bolt, for a malformed body) would log what
 * the user wrote. The quote is dropped.
 */
const JSON_EXCERPT = /Unexpected token '(?:[^']|'(?!, ))*', (?:\.\.\.)?"[\s\S]*?"(?:\.\.\.)? is not valid JSON/g;
export const scrubJsonExcerpts = (text: string): string => text.replace(JSON_EXCERPT, 'Unexpected token (excerpt removed) is not valid JSON');

/**
 * The Slack libraries' debug lines that carry a whole payload (Web API request bodies and results,
 * Socket Mode envelopes): message text, the bot's and the user's. Only the line's start is kept.
 */
const SLACK_PAYLOAD_LINE = /^(http request body:|http request result:|Received a message on the WebSocket:|Unable to parse an incoming WebSocket message|Sending a WebSocket message:|Calling ack\(\))[\s\S]*$/;
export const omitSlackPayloads = (line: string): string => line.replace(SLACK_PAYLOAD_LINE, (_all, start: string) => `${start} (payload omitted, ${line.length - start.length} chars)`);

/**
 * Structured JSON logs. Message text is never logged whole; fields that could carry a secret are
 * redacted by path as a second line of defence, and JSON parse errors lose their excerpt of the
 * input. `destination` (tests) replaces stdout.
 */
/**
 * The one logger that writes nothing, for parts made without a logger (tests, benchmarks). Shared: a new
 * pino writes through its own stdout stream, which stays registered for the process's exit.
 */
let silent: Logger | undefined;
export function silentLogger(): Logger {
  return (silent ??= createLogger('silent'));
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'careplan-helpdesk-bot' },
    // The request's own child logger carries reqId already.
    mixin: (_merge, _level, logger) => {
      const scope = requestScope.getStore();
      return scope && logger.bindings().reqId === undefined ? { reqId: scope.reqId } : {};
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      err: (err: Error) => {
        const out = pino.stdSerializers.err(err);
        if (typeof out.message === 'string') out.message = scrubJsonExcerpts(out.message);
        if (typeof out.stack === 'string') out.stack = scrubJsonExcerpts(out.stack);
        return out;
      },
    },
    hooks: {
      logMethod(args, method) {
        return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubJsonExcerpts(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

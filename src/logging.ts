import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Message text is never logged whole; fields that could carry a secret are
 * redacted by path as a second line of defence.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'careplan-helpdesk-bot' },
    redact: { paths: ['*.text', '*.password', '*.token', '*.secret', 'req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  });
}

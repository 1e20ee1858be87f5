import type { Request, Response, Server } from 'restify';
import type { Logger } from '../logging';
import { bearerIs } from '../safety/bearerToken';
import { PROMETHEUS_CONTENT_TYPE } from './metrics';
import type { AnalyticsRecorder } from './recorder';
import { MAX_REPORT_DAYS, rangeProblem } from './report';

/**
 * `GET /metrics`: the Prometheus text format (counters since start, no message text; open like
 * /healthz, so restrict it at the proxy if counts are sensitive). `GET /api/analytics?days=N&top=N` (or `from=YYYY-MM-DD&to=YYYY-MM-DD` for `days`):
 * the report as JSON, behind `Authorization: Bearer HELPDESK_API_TOKEN`; `npm run report` reads it
 * when the server holds DATA_DIR.
 */
export function mountAnalytics(server: Server, recorder: AnalyticsRecorder, token: string, log: Logger): void {
  server.get('/metrics', async (_req: Request, res: Response) => {
    const body = Buffer.from(recorder.metrics.render(), 'utf8');
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(body);
  });

  server.get('/api/analytics', async (req: Request, res: Response) => {
    if (!bearerIs(req.header('authorization'), token)) {
      res.send(401, { error: 'Authorization: Bearer <HELPDESK_API_TOKEN> is required' });
      return;
    }
    const query = (req.query ?? {}) as Record<string, unknown>;
    const days = wholeNumber(query.days, 7);
    const top = wholeNumber(query.top, 10);
    if (days === undefined || days < 1 || days > MAX_REPORT_DAYS || top === undefined || top < 1 || top > 1000) {
      res.send(400, { error: `days must be 1..${MAX_REPORT_DAYS} and top 1..1000` });
      return;
    }
    const range = query.from !== undefined || query.to !== undefined ? { from: String(query.from ?? ''), to: String(query.to ?? '') } : undefined;
    const problem = range && rangeProblem(range.from, range.to);
    if (problem) {
      res.send(400, { error: problem });
      return;
    }
    try {
      res.send(200, await recorder.report({ top, ...(range ?? { days }) }));
    } catch (err) {
      log.error({ err }, 'analytics report failed');
      res.send(500, { error: 'internal error' });
    }
  });
}

function wholeNumber(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  return typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}

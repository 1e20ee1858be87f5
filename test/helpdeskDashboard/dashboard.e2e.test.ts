import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCsv } from '../../src/analytics/report';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { DashboardData } from '../../src/helpdeskDashboard';
import { createLogger } from '../../src/logging';
import { runReport } from '../../scripts/report';
import { csvValue, parseCsv } from '../analytics/support';
import { DASHBOARD_NOW, MARKUP_QUESTION, RANGE, recordWeek } from '../support/dashboardData';
import { tokenSignIn } from '../support/helpdeskSignIn';
import '../support/quietDeprecations';

// The dashboard's figures over real HTTP, on state on disk, against `npm run report` on the same
// DATA_DIR once the server has stopped.

const TOKEN = 'dashboard-test-token-0123456789';

describe('/helpdesk/dashboard', () => {
  let dir: string;
  let app: App;
  let base: string;
  let cookie: string;
  const env = () => ({ DATA_DIR: dir, HELPDESK_API_TOKEN: TOKEN, HELPDESK_CLOSED_DATES: '' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    app = createApp(loadConfig(env(), '/nonexistent'), { log: createLogger('silent'), now: () => DASHBOARD_NOW });
    const port = await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    await recordWeek(app);
    cookie = await tokenSignIn(base, TOKEN);
  });
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = { cookie }) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

  it('is behind the sign-in: the page redirects, the data and the export answer 401 with nothing in them', async () => {
    const page = await get('/helpdesk/dashboard', {});
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/helpdesk/signin?next=%2Fhelpdesk%2Fdashboard');
    for (const path of ['/helpdesk/api/dashboard', '/helpdesk/api/dashboard/unanswered.csv']) {
      const res = await get(path, {});
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('請求');
    }
    // The bearer token of the REST API is not a sign-in.
    expect((await get('/helpdesk/api/dashboard', { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
  });

  it('serves the page with the range, the CSRF token and Chart.js from this server', async () => {
    const res = await get(`/helpdesk/dashboard?from=${RANGE.from}&to=${RANGE.to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain(`value="${RANGE.from}"`);
    expect(html).toMatch(/<meta name="csrf-token" content="[A-Za-z0-9_-]{43}">/);
    expect(html).toContain('<script src="/helpdesk/assets/chart.umd.min.js" defer></script>');
    const chart = await get('/helpdesk/assets/chart.umd.min.js', {});
    expect(chart.status).toBe(200);
    expect(await chart.text()).toContain('Chart.js v4');
  });

  it('answers a bad range with a clear 400', async () => {
    const res = await get('/helpdesk/api/dashboard?from=2026-11-20&to=2026-11-01');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('期間が正しくありません');
    expect((await get('/helpdesk/dashboard?from=yesterday')).status).toBe(400);
  });

  it('exports every unanswered question as CSV, formulas defused, for Excel (BOM)', async () => {
    const res = await get(`/helpdesk/api/dashboard/unanswered.csv?from=${RANGE.from}&to=${RANGE.to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="unanswered-${RANGE.from}-${RANGE.to}.csv"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseCsv(bytes.subarray(3).toString('utf8'))).toEqual([
      ['質問', '件数'],
      ['請求の締め日はいつですか', '3'],
      [MARKUP_QUESTION, '2'],
      ["'=SUM(A1:A9)", '1'],
    ]);
  });

  it('shows the same figures as npm run report for the same days and data', async () => {
    const res = await get(`/helpdesk/api/dashboard?from=${RANGE.from}&to=${RANGE.to}`);
    const data = (await res.json()) as DashboardData;
    const { report } = data;
    // Something to compare: every kind of figure has data.
    expect(report.summary).toMatchObject({ conversations: 9, resolved: 4, escalated: 3, abandoned: 1, inProgress: 1 });
    expect(report.handoffs.opened).toBe(5);
    expect(report.handoffs.timeToTake).toEqual({ count: 3, medianMinutes: 12, p90Minutes: 30 });
    expect(data.entryTitles['cert-install-dx']).toBeTruthy();

    await app.close();
    const out: string[] = [];
    const code = await runReport(['--csv', '--from', RANGE.from, '--to', RANGE.to, '--top', '20'], { env: env(), dotenvPath: '/nonexistent', now: () => DASHBOARD_NOW, out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(0);
    const csv = out.join('');
    expect(formatCsv(report)).toBe(csv);
    expect(csvValue(parseCsv(csv), 'handoff_hour', '10')).toBe('2');
  });
});

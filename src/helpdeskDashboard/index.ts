import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { dayOf, lastDays } from '../analytics/model';
import type { AnalyticsRecorder } from '../analytics/recorder';
import { csvField, noFormula, rangeProblem, type AnalyticsReport, type DayRange } from '../analytics/report';
import { TOPIC_NAMES } from '../handoff/ticket';
import { escapeHtml, HelpdeskAuth, pageHeader, sendPage, serveFiles } from '../helpdeskAuth';
import type { KnowledgeBase } from '../knowledge/loader';

export const DASHBOARD_PATH = '/helpdesk/dashboard';
const DATA_PATH = '/helpdesk/api/dashboard';
const EXPORT_PATH = '/helpdesk/api/dashboard/unanswered.csv';
/** The dashboard lists this many entries and questions; the export has every question kept. */
const TOP = 20;
const EXPORT_TOP = 1000;
const DEFAULT_DAYS = 7;

/** What the dashboard's script draws: the report (the same as `npm run report`), and the labels to show with it. */
export interface DashboardData {
  report: AnalyticsReport;
  entryTitles: Record<string, string>;
  topicNames: Record<string, string>;
  /** The phone line's hours, to mark on the hand-offs by hour: [open, close) in whole hours. */
  businessHours: { open: number; close: number; text: string };
}

const PUBLIC_DIR = join(__dirname, 'public');
// Chart.js's own UMD bundle from node_modules: no CDN, so the dashboard works where only this server is reachable.
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

/**
 * `/helpdesk/dashboard`: the analytics report for a chosen range of days, drawn with Chart.js, behind
 * the helpdesk sign-in. The figures are `npm run report`'s: the same report code on the same store.
 */
export class HelpdeskDashboard {
  private readonly files: Record<string, { type: string; body: Buffer }>;

  constructor(
    private readonly auth: HelpdeskAuth,
    private readonly analytics: AnalyticsRecorder,
    private readonly kb: KnowledgeBase,
    private readonly now: () => Date,
  ) {
    this.files = {
      '/helpdesk/assets/dashboard.js': { type: 'application/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'dashboard.js')) },
      '/helpdesk/assets/chart.umd.min.js': { type: 'application/javascript; charset=utf-8', body: readFileSync(CHART_JS) },
    };
  }

  mount(server: Server): void {
    serveFiles(server, this.files);
    server.get(DASHBOARD_PATH, this.auth.page, async (req: Request, res: Response) => {
      const session = (await this.auth.sessionOf(req))!;
      const { range, problem } = this.range(req);
      sendPage(res, problem ? 400 : 200, {
        title: 'ダッシュボード | ヘルプデスク',
        head: `<meta name="csrf-token" content="${escapeHtml(session.csrfToken)}">\n<script src="/helpdesk/assets/chart.umd.min.js" defer></script>\n<script src="/helpdesk/assets/dashboard.js" defer></script>`,
        body: page(range, HelpdeskAuth.signOutForm(session), problem),
      });
    });
    server.get(DATA_PATH, ...this.auth.api, async (req: Request, res: Response) => {
      const { range, problem } = this.range(req);
      if (problem) return void res.send(400, { error: problem });
      res.header('cache-control', 'no-store');
      res.send(200, await this.data(range, TOP));
    });
    server.get(EXPORT_PATH, ...this.auth.api, async (req: Request, res: Response) => {
      const { range, problem } = this.range(req);
      if (problem) return void res.send(400, { error: problem });
      const { report } = await this.data(range, EXPORT_TOP);
      // A BOM, so that Excel on Japanese Windows reads UTF-8; questions are user text, defused like the report's CSV.
      const rows = [['質問', '件数'], ...report.unanswered.map((q) => [noFormula(q.question), String(q.count)])];
      const body = Buffer.from(`\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`, 'utf8');
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': body.length,
        'content-disposition': `attachment; filename="unanswered-${range.from}-${range.to}.csv"`,
        'cache-control': 'no-store',
      });
      res.end(body);
    });
  }

  /** The dashboard's figures for `range`: the report, with titles for its ids. */
  async data(range: DayRange, top: number): Promise<DashboardData> {
    const report = await this.analytics.report({ ...range, top, now: this.now() });
    const { hours, hoursText } = this.kb.contact;
    return {
      report,
      entryTitles: Object.fromEntries(this.kb.entries.map((e) => [e.id, e.title])),
      topicNames: { ...TOPIC_NAMES, '(none)': '（話題なし）' },
      businessHours: { open: Number(hours.open.slice(0, 2)), close: Math.ceil(Number(hours.close.slice(0, 2)) + Number(hours.close.slice(3)) / 60), text: hoursText },
    };
  }

  /** ?from=&to= as given, else the last DEFAULT_DAYS days. */
  private range(req: Request): { range: DayRange; problem?: string } {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const days = lastDays(this.now(), DEFAULT_DAYS, this.analytics.timeZone);
    const range = { from: typeof query.from === 'string' && query.from ? query.from : days[0]!, to: typeof query.to === 'string' && query.to ? query.to : dayOf(this.now(), this.analytics.timeZone) };
    const problem = rangeProblem(range.from, range.to);
    return problem ? { range: { from: days[0]!, to: days[days.length - 1]! }, problem: `期間が正しくありません（${problem}）。` } : { range };
  }
}

/** The page: the range form, and a panel per figure that the script fills (tables for every chart, for reading and for screen readers). */
function page(range: DayRange, signOut: string, problem?: string): string {
  const panel = (id: string, title: string, inner: string) => `<section class="panel" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>${inner}</section>`;
  const chart = (id: string, label: string) => `<div class="chart"><canvas id="${id}-chart" role="img" aria-label="${label}"></canvas></div>`;
  const table = (id: string, caption: string) => `<details><summary>数値を表示</summary><div class="table-wrap"><table id="${id}-table"><caption class="visually-hidden">${caption}</caption></table></div></details>`;
  return `${pageHeader('ヘルプデスク ダッシュボード', DASHBOARD_PATH, signOut)}
<main class="dashboard">
<form class="range" method="get" action="${DASHBOARD_PATH}">
<label>開始日<input type="date" name="from" id="from" value="${escapeHtml(range.from)}" required></label>
<label>終了日<input type="date" name="to" id="to" value="${escapeHtml(range.to)}" required></label>
<button type="submit">表示</button>
<a class="button secondary" id="export" href="${EXPORT_PATH}?from=${escapeHtml(range.from)}&amp;to=${escapeHtml(range.to)}" download>回答できなかった質問を CSV で出力</a>
</form>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<p class="status" id="status" role="status">集計を読み込んでいます…</p>
<div class="figures" id="summary"></div>
<div class="panels">
${panel('daily', '日別の解決状況', chart('daily', '日別の会話数：ボットで解決、担当者へ引き継ぎ、放棄') + table('daily', '日別の解決状況'))}
${panel('topics', 'よくある話題', chart('topics', '話題別の会話数') + table('topics', '話題別の会話数'))}
${panel('sections', 'よく案内したガイドの項目', chart('sections', 'ガイドの項目ごとの案内回数') + table('sections', 'ガイドの項目ごとの案内回数'))}
${panel('feedback', '「解決しましたか？」への回答', chart('feedback', 'ガイドの項目ごとの「はい」と「いいえ」の数') + table('feedback', '「解決しましたか？」への回答'))}
${panel('hours', '時間帯別の引き継ぎ', `<p class="note" id="hours-note"></p>${chart('hours', '時間帯別の引き継ぎ件数（受付時間を色分け）')}${table('hours', '時間帯別の引き継ぎ件数')}`)}
${panel('times', '対応までの時間', '<div class="table-wrap"><table id="times-table"><caption class="visually-hidden">対応までの時間</caption></table></div>')}
${panel('unanswered', '回答できなかった質問', '<div class="table-wrap"><table id="unanswered-table"><caption class="visually-hidden">回答できなかった質問と件数</caption></table></div>')}
</div>
</main>`;
}

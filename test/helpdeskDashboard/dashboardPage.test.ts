/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (The functions passed to page.evaluate run in the page.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noFormula } from '../../src/analytics/report';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { runReport } from '../../scripts/report';
import { parseCsv } from '../analytics/support';
import { launchChromium, NO_BROWSER } from '../support/chromium';
import { DASHBOARD_NOW, MARKUP_QUESTION, RANGE, recordWeek } from '../support/dashboardData';
import { signInWithKeyboard as signIn, startOidcProvider } from '../support/helpdeskSignIn';
import { freePort } from '../support/serverProcess';
import { startApp, type RunningApp } from '../support/server';
import '../support/quietDeprecations';

// The helpdesk dashboard in a real browser (Debian's Chromium through playwright-core): an agent
// signs in with the token, and through Entra ID's protocol against oauth2-mock-server; the charts are
// drawn; every number on the page is `npm run report`'s for the same days; the page works from the
// keyboard alone and at 1280×800 and phone width. The README's screenshot is taken here.

const TOKEN = 'dashboard-page-token-0123456789';
/** Committed: the README shows it. */
const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'helpdesk-dashboard.png');

/** What the page shows: summary figures, and every table's rows as text. */
async function pageFigures(page: Page) {
  return page.evaluate(() => {
    const rows = (id: string) => [...document.querySelectorAll(`#${id}-table tbody tr`)].map((tr) => [...tr.children].map((c) => (c.textContent ?? '').trim()));
    const figures = Object.fromEntries([...document.querySelectorAll<HTMLElement>('#summary .figure')].map((f) => [f.dataset.figure, f.querySelector('.value')!.textContent]));
    return { figures, daily: rows('daily'), hours: rows('hours'), times: rows('times'), unanswered: rows('unanswered'), feedback: rows('feedback'), sections: rows('sections'), topics: rows('topics') };
  });
}

/** Each chart's datasets as Chart.js holds them, and whether its canvas has anything drawn on it. */
async function charts(page: Page) {
  return page.evaluate(() => {
    const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { labels: string[]; datasets: Array<{ label: string; data: number[] }> } } | undefined } }).Chart;
    return Object.fromEntries<{ datasets?: Array<{ label: string; data: number[] }>; labels?: string[]; painted: number; width: number }>(
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return [canvas.id.replace(/-chart$/, ''), { datasets: chart?.data.datasets.map((d) => ({ label: d.label, data: d.data })), labels: chart?.data.labels, painted, width: canvas.clientWidth }];
      }),
    );
  });
}

describe('the helpdesk dashboard in Chromium', () => {
  let dir: string;
  let app: App;
  let base: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let reportRows: string[][];

  beforeAll(async () => {
    if (NO_BROWSER) return;
    dir = mkdtempSync(join(tmpdir(), 'dashboard-page-'));
    const port = await freePort();
    const env = { DATA_DIR: dir, PORT: String(port), HELPDESK_API_TOKEN: TOKEN, HELPDESK_CLOSED_DATES: '' };
    app = createApp(loadConfig(env, '/nonexistent'), { log: createLogger('silent'), now: () => DASHBOARD_NOW });
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    await recordWeek(app);
    // The report as a person runs it while the server holds DATA_DIR: through the server, with the token.
    const out: string[] = [];
    expect(await runReport(['--csv', '--from', RANGE.from, '--to', RANGE.to, '--top', '20'], { env, dotenvPath: '/nonexistent', now: () => DASHBOARD_NOW, out: (t) => out.push(t), err: () => undefined })).toBe(0);
    reportRows = parseCsv(out.join(''));
    browser = await launchChromium();
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The report's value of one `section,name` row. */
  const value = (section: string, name: string) => reportRows.find((r) => r[0] === section && r[1] === name)?.[2];
  const section = (name: string) => reportRows.filter((r) => r[0] === name);

  async function signInWithKeyboard(page: Page) {
    await signIn(context, page, base, '/helpdesk/dashboard', TOKEN);
    await page.locator('body[data-state="ready"]').waitFor();
  }

  it('an agent signs in with the token from the keyboard; the charts are drawn with the numbers of npm run report', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico') && errors.push(msg.text()));
    await signInWithKeyboard(page);
    expect(await page.locator('.signout .agent').innerText()).toBe('ヘルプデスク');
    expect(await page.locator('#status').innerText()).toBe(`${RANGE.from} ～ ${RANGE.to}（7日間）の集計です。`);

    const shown = await pageFigures(page);
    expect(shown.figures).toEqual({
      conversations: value('summary', 'conversations'),
      resolved: value('summary', 'resolved_by_bot'),
      escalated: value('summary', 'escalated'),
      abandoned: value('summary', 'abandoned'),
      containment: `${(Number(value('summary', 'containment_rate')) * 100).toFixed(1)}%`,
    });
    expect(shown.daily).toEqual(section('day_resolved').map(([, day]) => [day, value('day_resolved', day!), value('day_escalated', day!), value('day_abandoned', day!)]));
    expect(shown.hours.map(([, n]) => n)).toEqual(section('handoff_hour').map((r) => r[2]));
    expect(shown.hours[10]![0]).toBe('10時台（受付時間内）');
    expect(shown.hours[18]![0]).toBe('18時台');
    expect(shown.times).toEqual([
      ['受付（担当者が対応を始める）まで', value('handoffs', 'taken'), `${value('handoffs', 'take_median_minutes')} 分`, `${value('handoffs', 'take_p90_minutes')} 分`],
      ['解決まで', value('handoffs', 'resolved'), `${value('handoffs', 'resolve_median_minutes')} 分`, `${value('handoffs', 'resolve_p90_minutes')} 分`],
    ]);
    expect(shown.unanswered.map(([q, n]) => [noFormula(q!), n])).toEqual(section('unanswered').map((r) => [r[1], r[2]]));
    expect(shown.feedback.map(([, yes, no, times]) => [yes, no, times])).toEqual(section('entry_solved').map(([, id]) => [value('entry_solved', id!), value('entry_unsolved', id!), value('entry_shown', id!)]));
    expect(shown.sections.map(([, n]) => n)).toEqual(section('entry_most_shown').map((r) => r[2]));
    expect(shown.topics.map(([, n, resolved]) => [n, resolved])).toEqual(section('topic_conversations').map(([, t, n]) => [n, value('topic_resolved', t!)]));
    // Guide entries by their titles, not ids.
    expect(shown.sections[0]![0]).toBe(app.helpdeskAuth && (await page.evaluate(() => document.querySelector('#sections-table tbody th')!.textContent)));
    expect(shown.sections[0]![0]).not.toBe('cert-install-dx');

    // Markup in a user's question is text on the page: no element made of it, nothing run.
    expect(shown.unanswered.map(([q]) => q)).toContain(MARKUP_QUESTION);
    expect(await page.locator('#unanswered-table img, #unanswered-table b').count()).toBe(0);
    expect(await page.title()).toBe('ダッシュボード | ヘルプデスク');

    // The charts hold the same numbers, and are drawn.
    const drawn = await charts(page);
    expect(Object.keys(drawn).sort()).toEqual(['daily', 'feedback', 'hours', 'sections', 'topics']);
    for (const [name, chart] of Object.entries(drawn)) {
      expect(chart.painted, name).toBeGreaterThan(1000);
      expect(chart.width, name).toBeGreaterThan(400);
    }
    const numbers = (name: string) => drawn[name]!.datasets!.map((d) => d.data.map(String));
    expect(numbers('daily')).toEqual(['day_resolved', 'day_escalated', 'day_abandoned'].map((s) => section(s).map((r) => r[2])));
    const byHour = section('handoff_hour').map((r) => r[2]);
    expect(numbers('hours')).toEqual([byHour.map((n, h) => (h >= 9 && h < 17 ? n : '0')), byHour.map((n, h) => (h >= 9 && h < 17 ? '0' : n))]);
    expect(drawn.hours!.datasets!.map((d) => d.label)).toEqual(['受付時間内', '受付時間外']);
    expect(numbers('feedback')).toEqual([section('entry_solved').map((r) => r[2]), section('entry_unsolved').map((r) => r[2])]);
    expect(numbers('sections')).toEqual([section('entry_most_shown').map((r) => r[2])]);

    await page.locator('#daily details').evaluate((d) => ((d as HTMLDetailsElement).open = false));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works from the keyboard alone: every control is reached by Tab, a range is chosen and shown, a table opened', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInWithKeyboard(page);
    const reached: string[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => {
        const a = document.activeElement as HTMLElement;
        return `${a.tagName.toLowerCase()}:${a.id || a.getAttribute('name') || a.textContent?.trim().slice(0, 20)}`;
      }));
    }
    expect(reached).toEqual(expect.arrayContaining(['a:対応キュー', 'a:ダッシュボード', 'button:サインアウト', 'input:from', 'input:to', 'button:表示', 'a:export', 'summary:数値を表示']));
    // Visible focus: the outline the stylesheet gives :focus-visible.
    await page.locator('#to').focus();
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');

    // One day earlier for the start, in the date field: Debian's Chromium lays it out month / day / year
    // (its UI language), so ArrowRight moves to the day and ArrowDown lowers it; then Enter shows it.
    await page.locator('#from').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const chosen = await page.locator('#from').inputValue();
    expect(chosen).toBe('2026-11-12');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/helpdesk/dashboard?from=${chosen}&to=${RANGE.to}`);
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('#status').innerText()).toContain(`${chosen} ～ ${RANGE.to}`);

    // A table opened with Enter on its summary.
    await page.locator('#hours summary').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#hours-table').isVisible()).toBe(true);
    await page.close();
  });

  it('reads at phone width: nothing wider than the screen, charts one per row', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInWithKeyboard(page);
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
      panels: [...document.querySelectorAll('section.panel')].map((p) => p.getBoundingClientRect()).map((r) => ({ left: Math.round(r.left), right: Math.round(r.right) })),
    }));
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
    for (const panel of layout.panels) {
      expect(panel.left).toBeGreaterThanOrEqual(0);
      expect(panel.right).toBeLessThanOrEqual(layout.width);
    }
    expect(new Set(layout.panels.map((p) => p.left)).size).toBe(1);
    const drawn = await charts(page);
    for (const [name, chart] of Object.entries(drawn)) expect(chart.painted, name).toBeGreaterThan(500);
    await page.close();
  });
});

describe('Entra ID sign-in in Chromium (oauth2-mock-server)', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let running: RunningApp;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    if (NO_BROWSER) return;
    provider = await startOidcProvider();
    running = await startApp({
      HELPDESK_OIDC_ISSUER: provider.issuer,
      HELPDESK_OIDC_CLIENT_ID: 'helpdesk-console',
      HELPDESK_OIDC_CLIENT_SECRET: 'client-secret-of-the-test',
      HELPDESK_OIDC_ALLOWED_GROUPS: 'group-helpdesk',
    }, () => DASHBOARD_NOW);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await provider?.stop();
  });

  it('an agent of the helpdesk group signs in through the provider and lands on the dashboard under their name; another is refused', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    provider.signsIn({ oid: 'oid-tanaka', name: '田中 一郎', groups: ['group-helpdesk'] });
    await page.goto(`${running.base}/helpdesk/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/helpdesk/signin');
    // From the keyboard: Tab to the button, Enter.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Microsoft アカウントでサインイン');
    await page.keyboard.press('Enter');
    // The provider answers at once (no login form), the callback page moves on by itself.
    await page.waitForURL(`${running.base}/helpdesk/dashboard`);
    await page.locator('body[data-state="ready"]').waitFor();
    expect(await page.locator('.signout .agent').innerText()).toBe('田中 一郎');

    // Signed out with the button: the session is gone.
    await page.getByRole('button', { name: 'サインアウト' }).click();
    await page.waitForURL(/\/helpdesk\/signin$/);
    await page.goto(`${running.base}/helpdesk/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/helpdesk/signin');

    provider.signsIn({ oid: 'oid-other', name: '外部 太郎', groups: ['group-sales'] });
    await page.getByRole('link', { name: 'Microsoft アカウントでサインイン' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toBe('このアカウントはヘルプデスクのグループに所属していません。');
    await page.goto(`${running.base}/helpdesk/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/helpdesk/signin');
    await page.close();
  });
});

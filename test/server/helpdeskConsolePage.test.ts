import { MemoryStorage } from 'botbuilder';
import '../support/quietDeprecations';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { MENU } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import { createLogger } from '../../src/logging';
import { launchChromium, NO_BROWSER, type Browser } from '../support/chromium';
import { DirectLineClient } from '../support/directLineClient';
import { signInWithKeyboard } from '../support/helpdeskSignIn';
import { http, TEST_SECRET } from '../support/server';
import { freePort } from '../support/serverProcess';

// The agents' console (/helpdesk) in Debian's Chromium, next to the local web chat page (/) in another
// tab: a Web Chat user over the real Direct Line asks for a person, and an agent signs in and works the
// ticket with the keyboard alone. Without Debian's Chromium the test skips.
const API_TOKEN = 'console-page-test-token-0123456789';
/** The README's pictures of the console, taken here. */
const DOCS = join(__dirname, '..', '..', 'docs');
const MARKUP = '<b>太字</b><img src=x onerror="window.__injected=1">';

/** The browser's globals, inside page.evaluate (this file is compiled without the DOM's types; the functions run in the page, so no helper of this file can be called there). */
interface BrowserGlobals {
  document: { activeElement: unknown; documentElement: { scrollWidth: number; clientWidth: number } };
  sameDocument?: boolean;
  __injected?: number;
}
const focusedId = (page: Page) => page.evaluate(() => ((globalThis as unknown as BrowserGlobals).document.activeElement as { id?: string } | null)?.id);

const bubbles = (page: Page) => page.locator('.webchat__bubble');
const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');

describe('the helpdesk console in Chromium', () => {
  let app: App;
  let base: string;
  let port: number;
  let browser: Browser;
  let context: BrowserContext;
  /** Outlives a restart of the server, as the store on disk or in Redis does. */
  const storage = new MemoryStorage();

  async function startServer(): Promise<void> {
    // The token sign-in: every agent signed in with it goes by HELPDESK_AGENT_NAME.
    const config = loadConfig({ PORT: String(port), HELPDESK_CLOSED_DATES: '', HELPDESK_API_TOKEN: API_TOKEN, HELPDESK_AGENT_NAME: '佐藤', DIRECT_LINE_SECRET: TEST_SECRET }, '/nonexistent');
    app = createApp(config, { log: createLogger('silent'), storage });
    await app.listen(port, '127.0.0.1');
  }

  beforeAll(async () => {
    if (NO_BROWSER) return;
    port = await freePort();
    await startServer();
    base = `http://127.0.0.1:${port}`;
    browser = await launchChromium({ viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Tokyo' });
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Presses Tab until `target` has the focus (at most 40 times), as someone without a mouse does. */
  async function tabTo(page: Page, target: Locator, what: string): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if (await target.evaluate((node) => node === (globalThis as unknown as BrowserGlobals).document.activeElement).catch(() => false)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  }

  /** The page is no wider than the window: nothing to scroll sideways. */
  async function expectNoHorizontalOverflow(page: Page, where: string): Promise<void> {
    const { scroll, client } = await page.evaluate(() => ({ scroll: (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth, client: (globalThis as unknown as BrowserGlobals).document.documentElement.clientWidth }));
    expect(scroll, `${where}: ${scroll}px of content in ${client}px`).toBeLessThanOrEqual(client);
  }

  /** The console in a new tab, signed in with the keyboard (sent to the sign-in, and back), showing the queue live. */
  async function signedInConsole(errors: string[]): Promise<Page> {
    const agent = await context.newPage();
    agent.setDefaultTimeout(10_000);
    agent.on('pageerror', (err) => errors.push(err.message));
    await signInWithKeyboard(context, agent, base, '/helpdesk', API_TOKEN);
    expect(await agent.locator('.signout .agent').innerText()).toBe('佐藤');
    await agent.getByText('ライブ更新中').waitFor();
    await agent.evaluate(() => ((globalThis as unknown as BrowserGlobals).sameDocument = true));
    return agent;
  }

  /** A user who asked for a person over Direct Line's HTTP API; returns the ticket's number. */
  async function ticketFrom(name: string, topic: string): Promise<string> {
    const client = await DirectLineClient.start(base, TEST_SECRET);
    Object.assign(client.user, { name });
    await client.poll();
    await client.say(topic);
    return /受付番号 (HD-[0-9A-F]{8})/.exec(JSON.stringify(await client.say('担当者')))![1]!;
  }

  async function userSays(page: Page, text: string): Promise<void> {
    await sendBox(page).click();
    await page.keyboard.insertText(text);
    await page.keyboard.press('Enter');
  }

  it('a Web Chat user\'s ticket appears live; the agent takes it, replies and resolves with the keyboard; the user gets the reply and the bot back', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const errors: string[] = [];
    // Two users already in the queue (through Direct Line's HTTP API), one of them taken by 鈴木.
    await ticketFrom('介護 花子', MENU.id);
    await http(`${base}/api/handoffs/${await ticketFrom('居宅 一郎', MENU.error)}/take`, { auth: API_TOKEN, body: { agent: '鈴木' } });
    // ---- The agent signs in and sees the queue.
    const agent = await signedInConsole(errors);

    // ---- A user on the web chat page asks for a person, then writes something with markup.
    const user = await context.newPage();
    user.setDefaultTimeout(10_000);
    await user.goto(`${base}/`);
    await bubbles(user).filter({ hasText: 'ヘルプデスクのチャットボットです' }).first().waitFor();
    // Part of the certificate questions first, so the agent has facts to read.
    await bubbles(user).getByRole('button', { name: MENU.certificate, exact: true }).first().click();
    await bubbles(user).getByRole('button', { name: '手元にある', exact: true }).first().click();
    await bubbles(user).filter({ hasText: 'ログインできますか' }).first().waitFor();
    await userSays(user, '担当者');
    const opened = await bubbles(user).filter({ hasText: '担当者におつなぎします' }).first().innerText();
    const id = /受付番号 (HD-[0-9A-F]{8})/.exec(opened)![1]!;

    // ---- It appears in the agent's queue without a reload.
    const row = agent.locator(`.queue[data-status="waiting"] tr[data-ticket="${id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Web チャット');
    expect(await row.locator('td[data-label="待ち時間"]').innerText()).toMatch(/^\d+分$/);
    expect(await agent.evaluate(() => (globalThis as unknown as BrowserGlobals).sameDocument)).toBe(true);
    await expectNoHorizontalOverflow(agent, 'queue at 1280×800');
    mkdirSync(DOCS, { recursive: true });
    await agent.screenshot({ path: join(DOCS, 'helpdesk-console-queue.png') });

    // ---- Keyboard only: open the ticket.
    await tabTo(agent, row.getByRole('link', { name: id }), `the link to ${id}`);
    await agent.keyboard.press('Enter');
    await agent.locator('#t-title').filter({ hasText: id }).waitFor();
    expect(await focusedId(agent)).toBe('t-title');
    expect(await agent.locator('#t-status').innerText()).toBe('対応待ち');
    expect((await agent.locator('#t-transcript li.user').allInnerTexts()).at(-1)).toContain('担当者');
    expect(await agent.locator('#t-facts').innerText()).toContain('証明書発行用パスワード\t手元にある');

    // The user's next message arrives while the agent looks, as text: the markup is not rendered.
    await userSays(user, MARKUP);
    const markup = agent.locator('#t-transcript li.user').filter({ hasText: '太字' });
    await markup.waitFor();
    expect(await markup.innerText()).toContain(MARKUP);
    expect(await agent.locator('#t-transcript b, #t-transcript img').count()).toBe(0);
    expect(await agent.evaluate(() => (globalThis as unknown as BrowserGlobals).__injected)).toBeUndefined();

    // Take it: the user is told who; the reply box has the focus.
    await tabTo(agent, agent.getByRole('button', { name: '対応する' }), '対応する');
    await agent.keyboard.press('Enter');
    await agent.locator('#t-status').filter({ hasText: '対応中（佐藤）' }).waitFor();
    expect(await focusedId(agent)).toBe('reply-text');
    await bubbles(user).filter({ hasText: HANDOFF_PHRASES.taken('佐藤') }).first().waitFor();

    // Reply (Ctrl+Enter): the user gets it over Direct Line.
    await agent.keyboard.type('証明書の画面を確認します。');
    await agent.keyboard.press('Control+Enter');
    await bubbles(user).filter({ hasText: HANDOFF_PHRASES.fromAgent('佐藤', '証明書の画面を確認します。') }).first().waitFor();
    await agent.locator('#t-transcript li.agent').filter({ hasText: '証明書の画面を確認します。' }).waitFor();
    expect(await agent.locator('#reply-text').inputValue()).toBe('');
    await expectNoHorizontalOverflow(agent, 'ticket at 1280×800');
    await agent.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await agent.screenshot({ path: join(DOCS, 'helpdesk-console.png') });

    // At phone width: one column, nothing to scroll sideways, on the ticket and on the queue.
    await agent.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalOverflow(agent, 'ticket at 390 px');
    await agent.screenshot({ path: join(DOCS, 'helpdesk-console-phone.png') });
    await agent.setViewportSize({ width: 1280, height: 800 });

    // Resolve (after the confirmation): the user is back with the bot, which answers again.
    agent.once('dialog', (dialog) => void dialog.accept());
    await tabTo(agent, agent.getByRole('button', { name: '完了' }), '完了');
    await agent.keyboard.press('Enter');
    await agent.locator('#t-status').filter({ hasText: '完了' }).waitFor();
    expect(await agent.getByRole('button', { name: '対応する' }).count()).toBe(0);
    expect(await agent.locator('#t-reply').isHidden()).toBe(true);
    await bubbles(user).filter({ hasText: HANDOFF_PHRASES.resolved }).first().waitFor();
    await userSays(user, '電子証明書のインストール');
    await bubbles(user).filter({ hasText: '証明書発行用パスワード' }).first().waitFor();

    // Back to the queue with the keyboard: the ticket is under 完了, at phone width too.
    await tabTo(agent, agent.getByRole('link', { name: '← 受付一覧に戻る' }), 'the link back');
    await agent.keyboard.press('Enter');
    await agent.locator(`.queue[data-status="resolved"] tr[data-ticket="${id}"]`).waitFor();
    expect(await agent.locator(`.queue[data-status="waiting"] tr[data-ticket="${id}"]`).count()).toBe(0);
    await agent.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalOverflow(agent, 'queue at 390 px');
    await agent.setViewportSize({ width: 1280, height: 800 });

    // The console and the dashboard link to each other, under the same sign-in.
    await tabTo(agent, agent.getByRole('link', { name: 'ダッシュボード' }), 'the link to the dashboard');
    await agent.keyboard.press('Enter');
    await agent.waitForURL(`${base}/helpdesk/dashboard`);
    await agent.locator('body[data-state="ready"]').waitFor();
    await tabTo(agent, agent.getByRole('link', { name: '対応キュー' }), 'the link to the queue');
    await agent.keyboard.press('Enter');
    await agent.waitForURL(`${base}/helpdesk`);
    await agent.locator(`.queue[data-status="resolved"] tr[data-ticket="${id}"]`).waitFor();
    expect(errors).toEqual([]);
    await user.close();
    await agent.close();
  }, 90_000);

  it('the console\'s live connection drops (the server restarts): it reconnects and shows what it missed, without a reload', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const errors: string[] = [];
    const agent = await signedInConsole(errors);
    await app.close();
    await agent.getByText('再接続しています…').waitFor();
    await startServer();
    // Opened while the console was away; the new server never saw the console's last event.
    const id = await ticketFrom('訪問 次郎', MENU.certificate);
    await agent.locator(`.queue[data-status="waiting"] tr[data-ticket="${id}"]`).waitFor();
    await agent.getByText('ライブ更新中').waitFor();
    expect(await agent.evaluate(() => (globalThis as unknown as BrowserGlobals).sameDocument)).toBe(true);
    expect(errors).toEqual([]);
    await agent.close();
  }, 60_000);
});

import { MemoryStorage } from 'botbuilder';
import '../support/quietDeprecations';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { launchChromium, NO_BROWSER, type Browser } from '../support/chromium';
import { freePort } from '../support/serverProcess';

// The local web chat page (GET /) in a real browser: Debian's Chromium driven by playwright-core,
// against the real server in this process. Nothing is downloaded; without the browser the tests skip.

/** Not an assertion: a picture of the page after the certificate questions, for a person to look at. */
const SCREENSHOT = join(tmpdir(), 'webchat-page.png');

const MENU = ['電子証明書のインストール', 'ID・パスワード', 'エラーメッセージ', '利用開始までの流れ', 'よくある質問', '担当者に相談'];

/** What the page posts to Direct Line: typed messages carry text, card buttons a value. */
interface Posted {
  text?: string;
  value?: { choice?: string };
}

/** A WebSocket the page opened, and the text frames it received. */
interface PageSocket {
  url: string;
  frames: string[];
}

interface Chat {
  page: Page;
  posted: Posted[];
  /** The page's WebSockets: Web Chat's default is to stream activities over one. */
  sockets: PageSocket[];
  /** GET …/activities requests: what a polling client would send. */
  polls: number;
  /** Uncaught exceptions and console errors, except the favicon the server does not have. */
  errors: string[];
}

/** The activities the page's sockets carried, in order (empty messages are keep-alives). */
const streamed = (chat: Chat) =>
  chat.sockets.flatMap((s) => s.frames.filter((f) => f !== '').flatMap((f) => (JSON.parse(f) as { activities: Array<{ id: string; from?: { id: string }; attachments?: unknown[] }> }).activities));

const isActivityPost = (req: Request) => req.method() === 'POST' && /^\/v3\/directline\/conversations\/[^/]+\/activities$/.test(new URL(req.url()).pathname);

// Web Chat also copies every activity into a screen-reader live region; what a person sees is the
// rendered transcript, so cards are found by Adaptive Cards' own class and bubbles by Web Chat's.
const cards = (page: Page) => page.locator('.ac-adaptiveCard');
const cardWith = (page: Page, text: string | RegExp) => cards(page).filter({ hasText: text });
const userBubbles = (page: Page) => page.locator('.webchat__bubble--from-user');
const sendBox = (page: Page) => page.locator('[data-id="webchat-sendbox-input"]');
const buttonLabels = (card: Locator) => card.getByRole('button').allInnerTexts();

describe('the local web chat page in Chromium', () => {
  let app: App;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (NO_BROWSER) return;
    const port = await freePort();
    // PORT is the one we listen on, so the page's origin is one the token endpoint allows by default.
    const config = loadConfig({ PORT: String(port), HELPDESK_CLOSED_DATES: '' }, '/nonexistent');
    app = createApp(config, { log: createLogger('silent'), now: () => new Date('2026-11-19T10:00:00+09:00'), storage: new MemoryStorage() });
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Opens the page in a new tab (a new conversation) and waits for the bot's welcome. */
  async function openChat(): Promise<Chat> {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const chat: Chat = { page, posted: [], sockets: [], polls: 0, errors: [] };
    page.on('request', (req) => {
      if (isActivityPost(req)) chat.posted.push(req.postDataJSON() as Posted);
      if (req.method() === 'GET' && new URL(req.url()).pathname.endsWith('/activities')) chat.polls++;
    });
    page.on('websocket', (ws) => {
      const socket: PageSocket = { url: ws.url(), frames: [] };
      chat.sockets.push(socket);
      ws.on('framereceived', (frame) => socket.frames.push(typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8')));
    });
    page.on('pageerror', (err) => chat.errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.location().url.endsWith('/favicon.ico')) chat.errors.push(`console: ${msg.text()}`);
    });
    await page.goto(`${base}/`);
    await cardWith(page, 'ヘルプデスクのチャットボットです').waitFor();
    return chat;
  }

  /** Types into the focused send box as an IME hands over confirmed text (no key events per character). */
  async function typeIntoSendBox(page: Page, text: string) {
    await sendBox(page).click();
    await page.keyboard.insertText(text);
    expect(await sendBox(page).inputValue()).toBe(text);
  }

  /** Presses a real Enter and waits until the message has been posted; returns the user bubbles' texts. */
  async function pressEnterToSend(page: Page) {
    const posted = page.waitForRequest(isActivityPost);
    await page.keyboard.press('Enter');
    await posted;
    await userBubbles(page).first().waitFor();
    return userBubbles(page).allInnerTexts();
  }

  it('greets with the welcome and the menu; 電子証明書のインストール → 手元にある leads to the login question', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const chat = await openChat();
    const { page, posted, errors } = chat;
    expect(await page.title()).toBe('ケアプランデータ連携システム ヘルプデスク チャット');

    const welcome = cardWith(page, 'ヘルプデスクのチャットボットです');
    expect(await welcome.isVisible()).toBe(true);
    expect(await welcome.innerText()).toContain('ご用件をお選びいただくか、お困りのことをそのまま入力してください。');
    expect(await buttonLabels(welcome)).toEqual(MENU);

    await welcome.getByRole('button', { name: '電子証明書のインストール', exact: true }).click();
    const password = cardWith(page, /証明書発行用パスワード.*お手元にありますか/);
    await password.waitFor();
    expect(await buttonLabels(password)).toEqual(['手元にある', 'わからない・紛失した']);

    await password.getByRole('button', { name: '手元にある', exact: true }).click();
    const login = cardWith(page, 'KJから始まるID（事業所ユーザID）でログインできますか');
    await login.waitFor();
    expect(await buttonLabels(login)).toEqual(['ログインできる', 'ログインできない']);

    // Card buttons post their choice as a value (a postBack), so the transcript shows no user bubble for them.
    expect(posted.map((p) => p.value?.choice)).toEqual(['電子証明書のインストール', '手元にある']);
    expect(await userBubbles(page).count()).toBe(0);

    // The replies came over the page's one WebSocket, on the conversation's streamUrl; nothing was polled.
    expect(chat.sockets).toHaveLength(1);
    expect(chat.sockets[0]!.url).toMatch(new RegExp(`^ws://${new URL(base).host.replace(/\./g, '\\.')}/v3/directline/conversations/[A-Za-z0-9_-]+/stream\\?`));
    const fromBot = streamed(chat).filter((a) => a.from?.id === 'careplan-helpdesk-bot');
    expect(fromBot).toHaveLength(3);
    const [welcomeCard, passwordCard, loginCard] = fromBot.map((a) => JSON.stringify(a.attachments));
    expect(welcomeCard).toContain('ヘルプデスクのチャットボットです');
    expect(passwordCard).toContain('お手元にありますか');
    expect(loginCard).toContain('KJから始まるID（事業所ユーザID）でログインできますか');
    // The user's own activities are echoed on the stream as well, each once.
    expect(streamed(chat).filter((a) => a.from?.id !== 'careplan-helpdesk-bot')).toHaveLength(2);
    expect(new Set(streamed(chat).map((a) => a.id)).size).toBe(streamed(chat).length);
    expect(chat.polls).toBe(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: SCREENSHOT });
    await page.close();
  });

  it('an Enter flagged as IME composition (isComposing, keyCode 229) does not send; a plain Enter does', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const { page, posted, errors } = await openChat();
    await typeIntoSendBox(page, 'エラーが出ます');

    // Web Chat 4.x sends on keypress (and on the form's implicit submission), not on keydown: a
    // keydown alone would prove nothing. So the composing Enter comes as keydown (keyCode 229) and then
    // the keypress a browser that lets it through would fire (charCode 13, still isComposing).
    await sendBox(page).evaluate((input: { dispatchEvent(event: unknown): boolean }) => {
      const KeyboardEvent = (globalThis as unknown as { KeyboardEvent: new (type: string, init: object) => unknown }).KeyboardEvent;
      const enter = { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true };
      input.dispatchEvent(new KeyboardEvent('keydown', { ...enter, keyCode: 229, which: 229 }));
      input.dispatchEvent(new KeyboardEvent('keypress', { ...enter, keyCode: 13, which: 13, charCode: 13 }));
    });
    await page.waitForTimeout(300); // a send would clear the box and add a bubble at once, before any network
    expect(await sendBox(page).inputValue()).toBe('エラーが出ます');
    expect(await userBubbles(page).count()).toBe(0);
    expect(posted).toEqual([]);

    expect(await pressEnterToSend(page)).toEqual(['エラーが出ます']);
    expect(await sendBox(page).inputValue()).toBe('');
    expect(posted.map((p) => p.text)).toEqual(['エラーが出ます']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an Enter that confirms a conversion in progress (CDP Input.imeSetComposition) does not send the half-typed text', async (ctx) => {
    if (NO_BROWSER) ctx.skip(NO_BROWSER);
    const { page, posted, errors } = await openChat();
    const cdp = await context.newCDPSession(page);
    await typeIntoSendBox(page, '証明書の');

    // The IME shows its reading in the box (a composition, isComposing on every key event)...
    await cdp.send('Input.imeSetComposition', { text: 'いんすとーる', selectionStart: 6, selectionEnd: 6 });
    expect(await sendBox(page).inputValue()).toBe('証明書のいんすとーる');
    // ...Enter is pressed to take the candidate (keydown with keyCode 229, then a keypress)...
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229, text: '\r', unmodifiedText: '\r' });
    // ...and the IME commits it.
    await cdp.send('Input.insertText', { text: 'インストール' });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13 });
    await page.waitForTimeout(300);
    expect(await sendBox(page).inputValue()).toBe('証明書のインストール');
    expect(await userBubbles(page).count()).toBe(0);
    expect(posted).toEqual([]);

    expect(await pressEnterToSend(page)).toEqual(['証明書のインストール']);
    expect(posted.map((p) => p.text)).toEqual(['証明書のインストール']);
    expect(errors).toEqual([]);
    await cdp.detach();
    await page.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MENU, PHRASES } from '../../src/dialogs/phrases';
import { DirectLineClient, tokenClaims, type DirectLineSession } from '../support/directLineClient';
import { buttons, CONFIG_PORT, http, startApp, visibleText, type RunningApp } from '../support/server';

describe('web chat page, token endpoint and health (default: only the page\'s own origin)', () => {
  let server: RunningApp;

  beforeAll(async () => {
    // No DIRECT_LINE_SECRET: one is generated, and the page's token endpoint still works.
    server = await startApp();
  });
  afterAll(async () => {
    await server?.close();
  });

  const token = (origin?: string) => http<DirectLineSession>(`${server.base}/api/webchat/token`, { method: 'POST', headers: origin ? { origin } : {} });

  it('POST /api/webchat/token from the page\'s own origin → 200 with a working Direct Line token', async () => {
    const res = await token(server.base);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(server.base);
    expect(Object.keys(res.json).sort()).toEqual(['conversationId', 'expires_in', 'token']);
    expect(tokenClaims(res.json.token).c).toBe(res.json.conversationId);
    // The secret itself never reaches the page.
    expect(res.text).not.toContain(server.app.directLineSecret);

    // The token starts its conversation and chats, as page.js does through Web Chat.
    const started = await http(`${server.base}/v3/directline/conversations`, { method: 'POST', auth: res.json.token });
    expect(started.status).toBe(201);
    const client = new DirectLineClient(server.base, res.json);
    const [welcome] = await client.poll();
    expect(buttons(welcome!)).toEqual(Object.values(MENU));
    const turn = await client.say(MENU.certificate);
    expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
  });

  it('the same host on another port, or another host name for this server, is not the page\'s origin (403)', async () => {
    const { port } = new URL(server.base);
    expect((await token(`http://127.0.0.1:${Number(port) + 1}`)).status).toBe(403);
    expect((await token(`http://localhost:${port}`)).status).toBe(403);
  });

  it('no Origin, or an Origin not on the list → 403 without a token', async () => {
    for (const origin of [undefined, 'http://evil.example', `http://localhost:${CONFIG_PORT + 1}`, `https://localhost:${CONFIG_PORT}`, 'null', `http://localhost:${CONFIG_PORT}/`]) {
      const res = await token(origin);
      expect(res.status, String(origin)).toBe(403);
      expect(res.json).toEqual({ error: { code: 'Forbidden', message: expect.any(String) } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('GET /api/webchat/token is not a way round it (405)', async () => {
    const res = await http(`${server.base}/api/webchat/token`, { headers: { origin: server.base } });
    expect(res.status).toBe(405);
  });

  it('GET / returns the chat page, which loads /webchat/webchat.js and /webchat/page.js', async () => {
    const res = await http(`${server.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/^<!doctype html>/i);
    expect(res.text).toContain('<html lang="ja">');
    expect(res.text).toContain('<script src="/webchat/webchat.js"></script>');
    expect(res.text).toContain('<script src="/webchat/page.js"></script>');
    expect(res.text).toContain('id="webchat"');
  });

  it('GET /webchat/webchat.js returns the Web Chat bundle (JavaScript, > 1 MB)', async () => {
    const res = await fetch(`${server.base}/webchat/webchat.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.toString('utf8')).toContain('renderWebChat');
  });

  it('GET /webchat/page.js asks the same-origin token endpoint and uses the self-hosted Direct Line', async () => {
    const res = await http(`${server.base}/webchat/page.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.text).toMatch(/fetch\('\/api\/webchat\/token', \{ method: 'POST' \}\)/);
    expect(res.text).toContain("'/v3/directline'");
    // Web Chat's defaults (streaming over a WebSocket), as the README's vendor snippet has them.
    expect(res.text).not.toMatch(/webSocket|pollingInterval/);
  });

  it('GET /healthz → 200 with the number of guide entries', async () => {
    const res = await http<{ status: string; entries: number }>(`${server.base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('ok');
    expect(res.json.entries).toBeGreaterThan(0);
  });

  it('an unknown path → 404', async () => {
    expect((await http(`${server.base}/no/such/page`)).status).toBe(404);
  });
});

describe('web chat token with WEBCHAT_ALLOWED_ORIGINS', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp({ WEBCHAT_ALLOWED_ORIGINS: 'https://vendor.example/chat/, https://care.example:8443' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('only the listed origins (normalised to scheme://host[:port]) get a token; localhost no longer does', async () => {
    const token = (origin: string) => http(`${server.base}/api/webchat/token`, { method: 'POST', headers: { origin } });
    expect((await token('https://vendor.example')).status).toBe(200);
    expect((await token('https://care.example:8443')).status).toBe(200);
    expect((await token(`http://localhost:${CONFIG_PORT}`)).status).toBe(403);
    expect((await token('http://vendor.example')).status).toBe(403);
    expect((await token('https://care.example')).status).toBe(403);
  });
});

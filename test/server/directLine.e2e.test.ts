import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TURN_ERROR_TEXT } from '../../src/channels/channel';
import { TokenSigner } from '../../src/channels/directline/tokens';
import { CHOICES, MENU, NO, PHRASES, YES } from '../../src/dialogs/phrases';
import { DirectLineClient, tokenClaims, type DirectLineActivity, type DirectLineSession } from '../support/directLineClient';
import { buttonData, buttons, cardOf, cardSteps, cardTexts, http, startApp, TEST_SECRET, visibleText, type RunningApp } from '../support/server';

const BOT_ID = 'careplan-helpdesk-bot';
const MENU_LABELS = Object.values(MENU);
const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;

describe('Direct Line 3.0 over HTTP (DIRECT_LINE_SECRET set)', () => {
  let server: RunningApp;
  let dl: string;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET });
    dl = `${server.base}/v3/directline`;
  });
  afterAll(async () => {
    await server?.close();
  });

  const generate = async () => {
    const res = await http<DirectLineSession>(`${dl}/tokens/generate`, { method: 'POST', auth: TEST_SECRET });
    expect(res.status).toBe(200);
    return res.json;
  };

  describe('tokens and conversations', () => {
    it('tokens/generate with the secret gives {conversationId, token, expires_in}', async () => {
      const res = await http<DirectLineSession>(`${dl}/tokens/generate`, { method: 'POST', auth: TEST_SECRET });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(Object.keys(res.json).sort()).toEqual(['conversationId', 'expires_in', 'token']);
      expect(res.json.conversationId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(res.json.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(res.json.expires_in).toBe(1800);
      expect(res.json.token).not.toContain(TEST_SECRET);
      expect(tokenClaims(res.json.token).c).toBe(res.json.conversationId);
    });

    it('each generated token is for a new conversation', async () => {
      const [a, b] = await Promise.all([generate(), generate()]);
      expect(a!.conversationId).not.toBe(b!.conversationId);
    });

    it('conversations with that token answers 201 and the welcome with the menu appears in its activities', async () => {
      const session = await generate();
      const res = await http<DirectLineSession>(`${dl}/conversations`, { method: 'POST', auth: session.token });
      expect(res.status).toBe(201);
      expect(res.json.conversationId).toBe(session.conversationId);
      expect(typeof res.json.token).toBe('string');
      expect(res.json.expires_in).toBe(1800);

      const client = new DirectLineClient(server.base, session);
      const activities = await client.poll();
      expect(activities).toHaveLength(1);
      const welcome = activities[0]!;
      expect(welcome).toMatchObject({ type: 'message', from: { id: BOT_ID } });
      expect(welcome.id).toMatch(new RegExp(`^${session.conversationId}\\|\\d+$`));
      expect(cardOf(welcome)?.version).toBe('1.5');
      expect(visibleText(welcome)).toContain(PHRASES.welcome);
      expect(buttons(welcome)).toEqual(MENU_LABELS);
      expect(client.watermark).toBe('0');
    });

    it('starting the same conversation again does not greet twice', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      expect(await client.poll()).toHaveLength(1);
      const again = await http(`${dl}/conversations`, { method: 'POST', auth: client.session.token });
      expect(again.status).toBe(201);
      expect(await client.poll()).toEqual([]);
    });

    it('conversations with the secret starts a new conversation (201) with its own token, and greets', async () => {
      const res = await http<DirectLineSession>(`${dl}/conversations`, { method: 'POST', auth: TEST_SECRET });
      expect(res.status).toBe(201);
      expect(res.json.conversationId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(tokenClaims(res.json.token).c).toBe(res.json.conversationId);
      const other = await http<DirectLineSession>(`${dl}/conversations`, { method: 'POST', auth: TEST_SECRET });
      expect(other.json.conversationId).not.toBe(res.json.conversationId);
      const activities = await new DirectLineClient(server.base, res.json).poll();
      expect(visibleText(activities[0]!)).toContain(PHRASES.welcome);
    });

    it('tokens/refresh with a token gives a new, later-expiring token for the same conversation, and it works', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      // A token issued ten minutes ago (same secret), still valid.
      const older = new TokenSigner(TEST_SECRET, 1800, () => Date.now() - 10 * 60_000).issue(client.session.conversationId).token;
      const res = await http<DirectLineSession>(`${dl}/tokens/refresh`, { method: 'POST', auth: older });
      expect(res.status).toBe(200);
      expect(res.json.conversationId).toBe(client.session.conversationId);
      expect(res.json.token).not.toBe(older);
      expect(res.json.expires_in).toBe(1800);
      expect(tokenClaims(res.json.token).e).toBeGreaterThan(tokenClaims(older).e);
      const read = await http<{ activities: DirectLineActivity[] }>(`${client.url}/activities`, { auth: res.json.token });
      expect(read.status).toBe(200);
      expect(visibleText(read.json.activities[0]!)).toContain(PHRASES.welcome);
    });

    it('tokens/refresh with the secret is refused (403), and tokens/generate with a token too', async () => {
      const session = await generate();
      expect((await http(`${dl}/tokens/refresh`, { method: 'POST', auth: TEST_SECRET })).status).toBe(403);
      expect((await http(`${dl}/tokens/generate`, { method: 'POST', auth: session.token })).status).toBe(403);
    });

    it('GET conversations/{id} (reconnect) with its token gives a token for that conversation', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      const res = await http<DirectLineSession>(client.url, { auth: client.session.token });
      expect(res.status).toBe(200);
      expect(res.json.conversationId).toBe(client.session.conversationId);
      expect(tokenClaims(res.json.token).c).toBe(client.session.conversationId);
    });
  });

  describe('a whole triage conversation, polled with a watermark', () => {
    it('電子証明書のインストール → 手元にある → ログインできる → 発行履歴なし → 3-1 steps → はい → thanks', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      const [welcome, ...rest] = await client.poll();
      expect(rest).toEqual([]);
      expect(buttons(welcome!)).toEqual(MENU_LABELS);
      const seen = new Set([welcome!.id]);
      const fresh = (activities: DirectLineActivity[]) => {
        // Each read returns only activities newer than the watermark: none is seen twice.
        for (const a of activities) {
          expect(seen.has(a.id), `activity ${a.id} returned again`).toBe(false);
          seen.add(a.id);
        }
        return activities;
      };

      // 1. The menu item, typed.
      let turn = fresh(await client.say(MENU.certificate));
      expect(turn).toHaveLength(2);
      expect(turn[0]).toMatchObject({ type: 'message', text: MENU.certificate, from: { id: client.user.id, name: client.user.name } });
      expect(fromBot(turn[1]!)).toBe(true);
      expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
      expect(buttons(turn[1]!)).toEqual([CHOICES.certPassword.have, CHOICES.certPassword.missing]);

      // 2. 手元にある, clicked (Action.Submit value, no text).
      const have = buttonData(turn[1]!, CHOICES.certPassword.have);
      turn = fresh(await client.click({ choice: have.choice, promptId: have.promptId }));
      expect(turn).toHaveLength(2);
      expect(turn[0]).toMatchObject({ from: { id: client.user.id }, value: { choice: CHOICES.certPassword.have } });
      expect(visibleText(turn[1]!)).toContain(PHRASES.certLogin);
      expect(buttons(turn[1]!)).toEqual([CHOICES.login.yes, CHOICES.login.no]);

      // 3. ログインできる, typed.
      turn = fresh(await client.say(CHOICES.login.yes));
      expect(turn).toHaveLength(2);
      expect(visibleText(turn[1]!)).toContain(PHRASES.certHistory);
      expect(buttons(turn[1]!)).toEqual(Object.values(CHOICES.history));

      // 4. 発行履歴なし, clicked: the 3-1 procedure, the check after installing, then 解決しましたか？
      const watermarkBefore = client.watermark;
      turn = fresh(await client.click(buttonData(turn[1]!, CHOICES.history.no)));
      const [own, install, verify, solved, ...more] = turn;
      expect(more).toEqual([]);
      expect(own!.from?.id).toBe(client.user.id);
      expect([install, verify, solved].every((a) => fromBot(a!))).toBe(true);

      const installTexts = cardTexts(install!);
      expect(installTexts[0]).toBe('介護DX証明書のインストール');
      const steps = cardSteps(install!);
      expect(steps.map((s) => s.number)).toEqual(Array.from({ length: 13 }, (_, i) => `${i + 1}.`));
      expect(steps.every((s) => s.text.length > 0)).toBe(true);
      expect(steps[0]!.text).toContain('介護DX証明書');
      const source = installTexts.filter((t) => t.startsWith('出典: '));
      expect(source).toHaveLength(1);
      expect(source[0]).toMatch(/^出典: スタートガイド 電子証明書インストール手順 3-1 介護DX証明書のインストール \(1\/10–10\/10\)$/);
      // FAQ Q4's note (one certificate per 事業所番号) comes with the install steps.
      expect(installTexts.some((t) => t.startsWith('※') && t.includes('事業所'))).toBe(true);

      expect(visibleText(verify!)).toContain(PHRASES.certAfterInstall);
      expect(cardTexts(verify!)[0]).toBe('電子証明書の確認方法');
      expect(visibleText(solved!)).toContain(PHRASES.solvedQuestion);
      expect(buttons(solved!)).toEqual([YES, NO]);

      // Reading from the earlier watermark again returns exactly the same newer activities.
      const reread = await http<{ activities: DirectLineActivity[] }>(`${client.url}/activities?watermark=${watermarkBefore}`, { auth: client.session.token });
      expect(reread.json.activities.map((a) => a.id)).toEqual(turn.map((a) => a.id));

      // 5. はい: thanks, in plain text.
      turn = fresh(await client.say(YES));
      expect(turn).toHaveLength(2);
      expect(turn[0]).toMatchObject({ text: YES, from: { id: client.user.id } });
      expect(turn[1]!.text).toBe(PHRASES.solvedThanks);
      expect(turn[1]!.attachments ?? []).toEqual([]);

      // Nothing newer: an empty read, the same watermark.
      const lastWatermark = client.watermark;
      expect(await client.poll()).toEqual([]);
      expect(client.watermark).toBe(lastWatermark);
      // Without a watermark the whole conversation comes back, in order.
      const all = await http<{ activities: DirectLineActivity[]; watermark: string }>(`${client.url}/activities`, { auth: client.session.token });
      expect(all.json.activities.map((a) => a.id)).toEqual([...seen]);
      expect(all.json.watermark).toBe(String(seen.size - 1));
    });

    it('a watermark that is not a number, or beyond the end, is handled without an error', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      for (const watermark of ['abc', '-5', '1e3', '']) {
        const res = await http<{ activities: unknown[]; watermark: string }>(`${client.url}/activities?watermark=${watermark}`, { auth: client.session.token });
        expect(res.status, watermark).toBe(200);
        expect(res.json.activities, watermark).toHaveLength(1);
      }
      const beyond = await http<{ activities: unknown[]; watermark: string }>(`${client.url}/activities?watermark=999`, { auth: client.session.token });
      expect(beyond.status).toBe(200);
      expect(beyond.json).toEqual({ activities: [], watermark: '0' });
    });
  });

  describe('errors: 4xx, never 5xx', () => {
    let client: DirectLineClient;
    let other: DirectLineClient;

    beforeAll(async () => {
      client = await DirectLineClient.start(server.base, TEST_SECRET);
      other = await DirectLineClient.start(server.base, TEST_SECRET);
    });

    /** Every Direct Line route, for the conversation given. */
    const routes = (conversationUrl: string) =>
      [
        ['POST', `${dl}/tokens/generate`, undefined],
        ['POST', `${dl}/tokens/refresh`, undefined],
        ['POST', `${dl}/conversations`, undefined],
        ['GET', conversationUrl, undefined],
        ['GET', `${conversationUrl}/activities`, undefined],
        ['POST', `${conversationUrl}/activities`, { type: 'message', text: 'こんにちは' }],
      ] as const;

    const errorOf = (res: { json: unknown }) => (res.json as { error?: { code?: string } }).error?.code;

    it('no Authorization → 401 on every route', async () => {
      for (const [method, url, body] of routes(client.url)) {
        const res = await http(url, { method, body });
        expect(res.status, `${method} ${url}`).toBe(401);
        expect(errorOf(res)).toBe('Unauthorized');
      }
    });

    it('a wrong secret, or a scheme other than Bearer → 401', async () => {
      for (const [method, url, body] of routes(client.url)) {
        expect((await http(url, { method, body, auth: `${TEST_SECRET}x` })).status, `${method} ${url}`).toBe(401);
        expect((await http(url, { method, body, auth: 'wrong-secret' })).status, `${method} ${url}`).toBe(401);
        expect((await http(url, { method, body, headers: { authorization: `Basic ${TEST_SECRET}` } })).status, `${method} ${url}`).toBe(401);
      }
    });

    it('a tampered token → 401: payload swapped to another conversation, signature altered, signed with another secret', async () => {
      const [payload, signature] = client.session.token.split('.') as [string, string];
      const otherPayload = other.session.token.split('.')[0]!;
      const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
      const tampered = [
        `${otherPayload}.${signature}`,
        `${payload}.${flipped}`,
        `${payload}.${signature}.extra`,
        payload,
        new TokenSigner('another-secret-of-enough-length').issue(client.session.conversationId).token,
        `${Buffer.from(JSON.stringify({ c: client.session.conversationId, e: 9_999_999_999 })).toString('base64url')}.${signature}`,
      ];
      for (const token of tampered) {
        for (const [method, url, body] of routes(client.url)) {
          expect((await http(url, { method, body, auth: token })).status, `${method} ${url} with ${token}`).toBe(401);
        }
      }
    });

    it('an expired token (same secret, issued by a clock an hour behind) → 401', async () => {
      const expired = new TokenSigner(TEST_SECRET, 1800, () => Date.now() - 60 * 60_000).issue(client.session.conversationId);
      expect(tokenClaims(expired.token).c).toBe(client.session.conversationId);
      for (const [method, url, body] of routes(client.url)) {
        const res = await http(url, { method, body, auth: expired.token });
        expect(res.status, `${method} ${url}`).toBe(401);
      }
      // The same claims a minute from expiry are still accepted: it is the expiry that is refused.
      const fresh = new TokenSigner(TEST_SECRET, 1800, () => Date.now() - 29 * 60_000).issue(client.session.conversationId);
      expect((await http(`${client.url}/activities`, { auth: fresh.token })).status).toBe(200);
    });

    it("another conversation's token → 403 on that conversation's routes, and nothing is posted", async () => {
      const watermark = (await http<{ watermark: string }>(`${other.url}/activities`, { auth: other.session.token })).json.watermark;
      for (const [method, url, body] of routes(other.url).slice(3)) {
        const res = await http(url, { method, body, auth: client.session.token });
        expect(res.status, `${method} ${url}`).toBe(403);
        expect(errorOf(res)).toBe('Forbidden');
      }
      const after = await http<{ activities: unknown[] }>(`${other.url}/activities?watermark=${watermark}`, { auth: other.session.token });
      expect(after.json.activities).toEqual([]);
    });

    it('malformed JSON → 400', async () => {
      for (const body of ['{"type":"message","text":', '{bad', '']) {
        const res = await http(`${client.url}/activities`, { auth: client.session.token, body, headers: { 'content-type': 'application/json' } });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('a body that is not an activity → 400 BadArgument, and nothing is stored', async () => {
      const before = (await http<{ watermark: string }>(`${client.url}/activities`, { auth: client.session.token })).json.watermark;
      const bodies: unknown[] = [
        { foo: 1 },
        { type: 'bogus', text: 'x' },
        { type: 'conversationUpdate', membersAdded: [{ id: 'x' }] },
        { type: 'message', text: 42 },
        { type: 'message', text: 'x', from: { id: '' } },
        { type: 'message', text: 'x', from: { id: 'u'.repeat(300) } },
        [],
        [{ type: 'message', text: 'x' }],
        null,
        'message',
      ];
      for (const body of bodies) {
        const res = await http(`${client.url}/activities`, { auth: client.session.token, body: JSON.stringify(body) });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(errorOf(res), JSON.stringify(body)).toBe('BadArgument');
      }
      const plain = await http(`${client.url}/activities`, { auth: client.session.token, body: 'hello', headers: { 'content-type': 'text/plain' } });
      expect(plain.status).toBe(400);
      const after = await http<{ activities: unknown[] }>(`${client.url}/activities?watermark=${before}`, { auth: client.session.token });
      expect(after.json.activities).toEqual([]);
    });

    it('an unknown conversation id with the secret → 404', async () => {
      for (const [method, url, body] of routes(`${dl}/conversations/no-such-conversation`).slice(3)) {
        const res = await http(url, { method, body, auth: TEST_SECRET });
        expect(res.status, `${method} ${url}`).toBe(404);
        expect(errorOf(res)).toBe('NotFound');
      }
    });

    it('an unknown route or method under /v3/directline is 404/405, not 5xx', async () => {
      expect((await http(`${dl}/nothing`, { auth: TEST_SECRET })).status).toBe(404);
      expect((await http(`${client.url}/activities`, { method: 'DELETE', auth: TEST_SECRET })).status).toBe(405);
    });

    it('fields a client must not set (channel, conversation, id, serviceUrl) are overridden by the service', async () => {
      const forger = await DirectLineClient.start(server.base, TEST_SECRET);
      await forger.poll();
      const id = await forger.post({
        type: 'message',
        text: 'こんにちは',
        id: 'forged-id',
        channelId: 'msteams',
        serviceUrl: 'http://attacker.example',
        conversation: { id: other.session.conversationId },
        recipient: { id: 'someone-else' },
      });
      const [own, ...replies] = await forger.poll();
      expect(own!.id).toBe(id);
      expect(id).not.toBe('forged-id');
      expect(own).toMatchObject({ channelId: 'directline', conversation: { id: forger.session.conversationId }, recipient: { id: BOT_ID } });
      expect(own!.serviceUrl).not.toBe('http://attacker.example');
      expect(replies.length).toBeGreaterThan(0);
      expect(replies.every(fromBot)).toBe(true);
    });
  });

  describe('turns of one conversation', () => {
    it('messages posted at the same time run one turn at a time: each reply follows its own message', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      await client.poll();
      const texts = ['ヘルプ', 'ヘルプ', MENU.certificate, 'キャンセル', 'こんにちは'];
      const ids = await Promise.all(texts.map((text) => client.post({ type: 'message', text })));
      expect(new Set(ids).size).toBe(texts.length);
      const activities = await client.poll();
      const own = activities.filter((a) => !fromBot(a));
      expect(own.map((a) => a.id).sort()).toEqual([...ids].sort());
      // Every bot reply answers the user message right before it: no two turns interleave.
      let lastUserId: string | undefined;
      for (const a of activities) {
        if (fromBot(a)) expect((a as { replyToId?: string }).replyToId, visibleText(a)).toBe(lastUserId);
        else lastUserId = a.id;
      }
      expect(activities.filter(fromBot).length).toBeGreaterThanOrEqual(texts.length);
    });
  });

  describe('a vendor page on another origin (README: Web Chat with domain https://<bot host>/v3/directline)', () => {
    // Web Chat on a portal's own origin sends Authorization (and JSON) to /v3/directline, so the browser
    // first sends a CORS preflight, and reads responses only with Access-Control-Allow-Origin.
    it('the CORS preflight for POST /v3/directline/conversations succeeds and allows the Authorization header', async () => {
      const res = await http(`${dl}/conversations`, {
        method: 'OPTIONS',
        headers: { origin: 'https://vendor.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/vendor\.example)$/);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    });

    it('Direct Line responses to a cross-origin request carry Access-Control-Allow-Origin', async () => {
      const session = await generate();
      const res = await http(`${dl}/conversations`, { method: 'POST', auth: session.token, headers: { origin: 'https://vendor.example' } });
      expect(res.status).toBe(201);
      expect(res.headers.get('access-control-allow-origin')).toMatch(/^(\*|https:\/\/vendor\.example)$/);
    });
  });

  describe('big messages', () => {
    it('a 100 kB text message → 200 and a polite reply in the conversation', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      await client.poll();
      const text = 'あ'.repeat(34_000); // 102 kB of UTF-8, under the default MAX_BODY_BYTES (256 KiB)
      expect(Buffer.byteLength(text)).toBeGreaterThan(100_000);
      const res = await http(`${client.url}/activities`, { auth: client.session.token, body: { type: 'message', text, from: client.user } });
      expect(res.status).toBe(200);
      const [own, ...replies] = await client.poll();
      expect(own!.from?.id).toBe(client.user.id);
      expect(replies.length).toBeGreaterThan(0);
      const said = replies.map(visibleText);
      expect(said).not.toContain(TURN_ERROR_TEXT);
      expect(said[0]).toBe(PHRASES.offTopic);
      expect(said.at(-1)).toContain(PHRASES.menu);
      // The conversation goes on normally afterwards.
      const next = await client.say(MENU.certificate);
      expect(visibleText(next[1]!)).toContain(PHRASES.certPassword);
    });

    it('a body over MAX_BODY_BYTES (default 256 KiB) → 413', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      const res = await http(`${client.url}/activities`, { auth: client.session.token, body: { type: 'message', text: 'a'.repeat(300_000) } });
      expect(res.status).toBe(413);
    });
  });

  describe('secrets', () => {
    // The bot says 「いただいたメッセージは保存・表示せずに破棄しました」: the Direct Line conversation, which
    // clients read back, must not hold the password either.
    it('a message with a password is not kept in the Direct Line conversation', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      await client.poll();
      const turn = await client.say('パスワードは abc12345 です');
      expect(turn.map(visibleText)).toContain(PHRASES.secretWarning);
      const all = await http(`${client.url}/activities`, { auth: client.session.token });
      expect(all.text).not.toContain('abc12345');
    });
  });
});

describe('Direct Line with a small MAX_BODY_BYTES', () => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, MAX_BODY_BYTES: '4096' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a 100 kB text message → 413, and nothing is added to the conversation', async () => {
    const client = await DirectLineClient.start(server.base, TEST_SECRET);
    await client.poll();
    const res = await http(`${client.url}/activities`, { auth: client.session.token, body: { type: 'message', text: 'あ'.repeat(34_000) } });
    expect(res.status).toBe(413);
    expect(await client.poll()).toEqual([]);
    // A message under the limit still goes through.
    const turn = await client.say(MENU.certificate);
    expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
  });
});

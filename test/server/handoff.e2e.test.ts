import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHOICES, MENU, PHRASES } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES } from '../../src/handoff/handoffService';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { REDACTED } from '../../src/safety/secrets';
import { DirectLineClient, type DirectLineActivity } from '../support/directLineClient';
import { buttonData, http, startApp, TEST_SECRET, visibleText, type HttpResult, type RunningApp } from '../support/server';
import { kb } from '../support/testBot';

const BOT_ID = 'careplan-helpdesk-bot';
const API_TOKEN = 'test-helpdesk-api-token-0123456789';
/** startApp's clock: Thursday 19 Nov 2026 10:00 JST, the line is open. */
const NOW_ISO = new Date('2026-11-19T10:00:00+09:00').toISOString();
const PASSWORD = 'abc12345';
const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/;

const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;

describe('hand-off to the helpdesk over Direct Line and the helpdesk API (HELPDESK_API_TOKEN set)', () => {
  let server: RunningApp;
  /** Every API response of this file, to check none is a 5xx and none holds the password. */
  const responses: Array<{ call: string; res: HttpResult }> = [];

  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** One helpdesk API call with the token (unless `auth` says otherwise), recorded. */
  async function api<T = any>(method: 'GET' | 'POST', path: string, init: { body?: unknown; auth?: string | null; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const auth = init.auth === null ? undefined : (init.auth ?? API_TOKEN);
    const res = await http<T>(`${server.base}/api/handoffs${path}`, { method, auth, body: init.body, headers: init.headers });
    responses.push({ call: `${method} ${path}`, res });
    return res;
  }

  /** A Direct Line user who asked for 担当者 (after a first message); returns the client and the ticket id. */
  async function userWithTicket(name = '利用者'): Promise<{ client: DirectLineClient; id: string }> {
    const client = await DirectLineClient.start(server.base, TEST_SECRET);
    Object.assign(client.user, { name });
    await client.poll();
    await client.say(MENU.certificate);
    const turn = await client.say('担当者');
    const id = OPENED.exec(turn.filter(fromBot).map(visibleText).join('\n'))?.[1];
    expect(id, 'a ticket number in the hand-off message').toBeDefined();
    return { client, id: id! };
  }

  describe('a Web Chat user handed to an agent and back', () => {
    it('walks part of a dialog, asks for 担当者, is served by an agent through the API, and gets the bot back', async () => {
      const client = await DirectLineClient.start(server.base, TEST_SECRET);
      await client.poll();

      // Part of the certificate dialog, with a password pasted on the way.
      let turn = await client.say(MENU.certificate);
      expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
      turn = await client.say(`証明書発行用パスワードは ${PASSWORD} です`);
      expect(turn.filter(fromBot).map(visibleText)).toContain(PHRASES.secretWarning);
      const question = turn.filter(fromBot).at(-1)!;
      turn = await client.click(buttonData(question, CHOICES.certPassword.have));
      expect(visibleText(turn[1]!)).toContain(PHRASES.certLogin);

      // 担当者: the hand-off message and the standard handoff.initiate event, both in the conversation.
      turn = await client.say('担当者');
      const [own, ...fromTheBot] = turn;
      expect(own).toMatchObject({ type: 'message', text: '担当者', from: { id: client.user.id } });
      expect(fromTheBot.every(fromBot)).toBe(true);
      const messages = fromTheBot.filter((a) => a.type === 'message');
      expect(messages).toHaveLength(1);
      const shown = visibleText(messages[0]!);
      const id = OPENED.exec(shown)?.[1];
      expect(id, shown).toBeDefined();
      expect(shown).toContain(HANDOFF_PHRASES.opened(id!));
      expect(shown).toContain(HANDOFF_PHRASES.openNow);
      expect(shown).toContain(kb.contact.phone);
      expect(shown).toContain('受付時間内です');
      const events = fromTheBot.filter((a) => a.type === 'event');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'event',
        name: 'handoff.initiate',
        from: { id: BOT_ID },
        value: { ticketId: id, facts: { topic: 'certificate', certificatePassword: 'yes' } },
      });
      expect(JSON.stringify(events[0])).not.toContain(PASSWORD);

      // The queue shows it, with the facts and the redacted transcript.
      const waiting = await api<{ tickets: HandoffTicket[] }>('GET', '?status=waiting');
      expect(waiting.status).toBe(200);
      const listed = waiting.json.tickets.find((t) => t.id === id);
      expect(listed).toMatchObject({
        id,
        status: 'waiting',
        reason: 'requested',
        channel: 'directline',
        userName: client.user.name,
        createdAt: NOW_ISO,
        conversation: { conversation: { id: client.session.conversationId } },
        facts: { topic: 'certificate', certificatePassword: 'yes' },
      });
      expect(listed!.summary).toContain('証明書発行用パスワード: 手元にある');
      expect(listed!.transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual([MENU.certificate, CHOICES.certPassword.have, '担当者']);
      expect(listed!.transcript.some((l) => l.from === 'bot' && l.text.includes(PHRASES.certPassword))).toBe(true);
      expect(waiting.text).not.toContain(PASSWORD);

      const one = await api<HandoffTicket>('GET', `/${id}`);
      expect(one.status).toBe(200);
      expect(one.json).toEqual(listed);

      // While waiting: the user is told the helpdesk knows, and the message joins the ticket.
      turn = await client.say('まだですか？');
      expect(turn.filter(fromBot).map(visibleText)).toEqual([HANDOFF_PHRASES.waiting]);
      expect((await api<HandoffTicket>('GET', `/${id}`)).json.transcript.at(-1)).toEqual({ from: 'user', text: 'まだですか？', at: NOW_ISO });

      // An agent takes it: 200, and the user sees who, by polling.
      const taken = await api<HandoffTicket>('POST', `/${id}/take`, { body: { agent: '山田' } });
      expect(taken.status).toBe(200);
      expect(taken.json).toMatchObject({ id, status: 'in-progress', agent: '山田', takenAt: NOW_ISO });
      let polled = await client.poll();
      expect(polled).toHaveLength(1);
      expect(polled[0]).toMatchObject({ type: 'message', from: { id: BOT_ID }, recipient: { id: client.user.id } });
      expect(visibleText(polled[0]!)).toBe(HANDOFF_PHRASES.taken('山田'));
      expect((await api('GET', '?status=waiting')).json.tickets.map((t: HandoffTicket) => t.id)).not.toContain(id);
      expect((await api('GET', '?status=in-progress')).json.tickets.map((t: HandoffTicket) => t.id)).toContain(id);

      // The agent writes; the user receives it.
      const sent = await api<HandoffTicket>('POST', `/${id}/messages`, { body: { agent: '山田', text: 'どの画面で止まっていますか？' } });
      expect(sent.status).toBe(200);
      expect(sent.json.transcript.at(-1)).toEqual({ from: 'agent', text: 'どの画面で止まっていますか？', at: NOW_ISO });
      polled = await client.poll();
      expect(polled.map(visibleText)).toEqual([HANDOFF_PHRASES.fromAgent('山田', 'どの画面で止まっていますか？')]);

      // The user's messages go to the ticket, and the bot stays quiet.
      turn = await client.say('証明書のインポートの画面です');
      expect(turn).toHaveLength(1);
      expect(turn[0]).toMatchObject({ from: { id: client.user.id }, text: '証明書のインポートの画面です' });
      turn = await client.say(MENU.faq);
      expect(turn.filter(fromBot)).toEqual([]);
      // A password now is refused as always, and not passed on.
      turn = await client.say(`パスワードは ${PASSWORD} で合っていますか`);
      expect(turn.filter(fromBot).map(visibleText)).toEqual([PHRASES.secretWarning]);
      expect(await client.poll()).toEqual([]);
      let ticket = (await api<HandoffTicket>('GET', `/${id}`)).json;
      expect(ticket.transcript.slice(-2)).toEqual([
        { from: 'user', text: '証明書のインポートの画面です', at: NOW_ISO },
        { from: 'user', text: MENU.faq, at: NOW_ISO },
      ]);

      // Resolved: the user is told, the ticket records when and by whom.
      const resolved = await api<HandoffTicket>('POST', `/${id}/resolve`, { body: { agent: '山田' } });
      expect(resolved.status).toBe(200);
      expect(resolved.json).toMatchObject({ id, status: 'resolved', resolvedAt: NOW_ISO, agent: '山田', takenAt: NOW_ISO });
      polled = await client.poll();
      expect(polled.map(visibleText)).toEqual([HANDOFF_PHRASES.resolved]);
      ticket = (await api<HandoffTicket>('GET', `/${id}`)).json;
      expect(ticket.status).toBe('resolved');
      expect((await api('GET', '?status=resolved')).json.tickets.map((t: HandoffTicket) => t.id)).toContain(id);
      expect((await api('GET', '?status=in-progress')).json.tickets.map((t: HandoffTicket) => t.id)).not.toContain(id);
      const everything = await api<{ tickets: HandoffTicket[] }>('GET', '');
      expect(everything.status).toBe(200);
      expect(everything.json.tickets.find((t) => t.id === id)).toEqual(ticket);

      // The bot answers the next message normally, and the closed ticket does not grow.
      turn = await client.say(MENU.certificate);
      expect(turn.filter(fromBot).map(visibleText).join('\n')).toContain(PHRASES.certPassword);
      expect((await api<HandoffTicket>('GET', `/${id}`)).json.transcript).toHaveLength(ticket.transcript.length);

      // The Direct Line conversation itself never held the password either.
      const all = await http(`${client.url}/activities`, { auth: client.session.token });
      expect(all.text).not.toContain(PASSWORD);
    });

    it('a resolve without a body (or with {}) works on a waiting ticket and leaves agent unset', async () => {
      const { client, id } = await userWithTicket();
      await client.poll();
      const res = await api<HandoffTicket>('POST', `/${id}/resolve`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id, status: 'resolved', resolvedAt: NOW_ISO });
      expect(res.json.agent).toBeUndefined();
      expect((await client.poll()).map(visibleText)).toEqual([HANDOFF_PHRASES.resolved]);

      const other = await userWithTicket();
      const withEmpty = await api<HandoffTicket>('POST', `/${other.id}/resolve`, { body: {} });
      expect(withEmpty.status).toBe(200);
      expect(withEmpty.json.status).toBe('resolved');
    });

    it('an agent message with a password reaches neither the API response nor the user', async () => {
      const { client, id } = await userWithTicket();
      expect((await api('POST', `/${id}/take`, { body: { agent: '佐藤' } })).status).toBe(200);
      await client.poll();
      const res = await api<HandoffTicket>('POST', `/${id}/messages`, { body: { agent: '佐藤', text: `仮パスワードは ${PASSWORD} です` } });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(PASSWORD);
      expect(res.json.transcript.at(-1)!.text).toBe(`仮パスワードは ${REDACTED} です`);
      const polled = await client.poll();
      expect(polled.map(visibleText)).toEqual([HANDOFF_PHRASES.fromAgent('佐藤', `仮パスワードは ${REDACTED} です`)]);
    });
  });

  describe('errors: 4xx with a clear message, never 5xx', () => {
    let ticket: { client: DirectLineClient; id: string };

    beforeAll(async () => {
      ticket = await userWithTicket();
    });

    /** Every route of the API for this ticket, with a valid body. */
    const routes = (id: string) =>
      [
        ['GET', '', undefined],
        ['GET', '?status=waiting', undefined],
        ['GET', `/${id}`, undefined],
        ['POST', `/${id}/take`, { agent: '山田' }],
        ['POST', `/${id}/messages`, { agent: '山田', text: 'こんにちは' }],
        ['POST', `/${id}/resolve`, { agent: '山田' }],
      ] as const;

    it('no Authorization, a wrong token, another scheme or the Direct Line secret → 401 on every route, and nothing changes', async () => {
      const wrong: Array<{ auth?: string | null; headers?: Record<string, string> }> = [
        { auth: null },
        { auth: 'wrong-token' },
        { auth: `${API_TOKEN}x` },
        { auth: API_TOKEN.slice(0, -1) },
        { auth: TEST_SECRET },
        { auth: null, headers: { authorization: `Basic ${API_TOKEN}` } },
        { auth: null, headers: { authorization: API_TOKEN } },
        { auth: null, headers: { authorization: 'Bearer' } },
      ];
      for (const [method, path, body] of [...routes(ticket.id), ...routes('HD-00000000')]) {
        for (const w of wrong) {
          const res = await api(method, path, { body, ...w });
          expect(res.status, `${method} ${path} with ${JSON.stringify(w)}`).toBe(401);
          expect(res.json).toEqual({ error: expect.stringContaining('HELPDESK_API_TOKEN') });
          expect(res.text, 'no ticket data with a 401').not.toContain('"transcript"');
        }
      }
      // A POST without a body and without a token is refused too.
      for (const action of ['take', 'messages', 'resolve']) expect((await api('POST', `/${ticket.id}/${action}`, { auth: null })).status).toBe(401);
      expect((await api<HandoffTicket>('GET', `/${ticket.id}`)).json.status).toBe('waiting');
      expect(await ticket.client.poll()).toEqual([]);
    });

    it('the bearer scheme is case-insensitive (bearer <token> works)', async () => {
      const res = await api('GET', '', { auth: null, headers: { authorization: `bearer ${API_TOKEN}` } });
      expect(res.status).toBe(200);
    });

    it('an unknown ticket → 404 on every route that names one', async () => {
      for (const [method, path, body] of routes('HD-00000000').slice(2)) {
        const res = await api(method, path, { body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.json).toEqual({ error: 'no ticket HD-00000000' });
      }
      expect((await api('GET', '/not-a-ticket-id')).status).toBe(404);
      expect((await api('GET', `/${encodeURIComponent('../../etc/passwd')}`)).status).toBe(404);
    });

    it('?status=bogus (or empty, or repeated) → 400 naming the allowed values', async () => {
      for (const query of ['status=bogus', 'status=', 'status=WAITING', 'status=waiting&status=resolved']) {
        const res = await api('GET', `?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.json).toEqual({ error: 'status must be one of waiting, in-progress, resolved' });
      }
      // Other query parameters are ignored.
      expect((await api('GET', '?foo=bar')).status).toBe(200);
    });

    it('messages before take → 409 saying to take it first; nothing reaches the user', async () => {
      const res = await api('POST', `/${ticket.id}/messages`, { body: { agent: '山田', text: 'こんにちは' } });
      expect(res.status).toBe(409);
      expect(res.json.error).toContain(ticket.id);
      expect(res.json.error).toContain('まだ誰も対応していません');
      expect(await ticket.client.poll()).toEqual([]);
    });

    it('bad bodies → 400 and the ticket is unchanged: missing or empty agent, missing or empty text, not an object, malformed JSON', async () => {
      const before = (await api<HandoffTicket>('GET', `/${ticket.id}`)).json;
      const t = `/${ticket.id}`;
      const json = (value: unknown) => JSON.stringify(value);
      // [path, raw body (undefined: none), content type]
      const cases: Array<[path: string, body: string | undefined, contentType: string]> = [
        [`${t}/take`, json({}), 'application/json'],
        [`${t}/take`, json({ agent: '' }), 'application/json'],
        [`${t}/take`, json({ agent: '   ' }), 'application/json'],
        [`${t}/take`, json({ agent: 42 }), 'application/json'],
        [`${t}/take`, json({ agent: 'a'.repeat(101) }), 'application/json'],
        [`${t}/take`, json({ name: '山田' }), 'application/json'],
        [`${t}/take`, '[]', 'application/json'],
        [`${t}/take`, 'null', 'application/json'],
        [`${t}/take`, '"山田"', 'application/json'],
        [`${t}/take`, undefined, 'application/json'],
        [`${t}/take`, '{"agent":', 'application/json'],
        [`${t}/take`, '{bad', 'application/json'],
        [`${t}/take`, '山田', 'text/plain'],
        [`${t}/messages`, json({ agent: '山田' }), 'application/json'],
        [`${t}/messages`, json({ agent: '山田', text: '' }), 'application/json'],
        [`${t}/messages`, json({ agent: '山田', text: '  \n ' }), 'application/json'],
        [`${t}/messages`, json({ agent: '山田', text: 42 }), 'application/json'],
        [`${t}/messages`, json({ text: 'こんにちは' }), 'application/json'],
        [`${t}/messages`, json({ agent: '山田', text: 'x'.repeat(4001) }), 'application/json'],
        [`${t}/messages`, undefined, 'application/json'],
        [`${t}/messages`, '{"agent":"山田","text":', 'application/json'],
        [`${t}/resolve`, json({ agent: '' }), 'application/json'],
        [`${t}/resolve`, json({ agent: 5 }), 'application/json'],
        [`${t}/resolve`, '[]', 'application/json'],
        [`${t}/resolve`, '"山田"', 'application/json'],
        [`${t}/resolve`, '{bad', 'application/json'],
      ];
      for (const [path, body, contentType] of cases) {
        const res = await api('POST', path, { body, headers: { 'content-type': contentType } });
        const what = `POST ${path} ${contentType} ${String(body).slice(0, 40)}`;
        expect(res.status, `${what}: ${res.text}`).toBe(400);
        expect(res.text, what).toMatch(/error|message/);
      }
      // Validation messages say which field is wrong.
      expect((await api('POST', `/${ticket.id}/take`, { body: {} })).json.error).toMatch(/^agent: /);
      expect((await api('POST', `/${ticket.id}/messages`, { body: { agent: '山田', text: '' } })).json.error).toMatch(/^text: /);
      expect((await api<HandoffTicket>('GET', `/${ticket.id}`)).json).toEqual(before);
      expect(await ticket.client.poll()).toEqual([]);
    });

    it('a second take → 409 naming the agent who has it; the ticket keeps its first agent and the user hears once', async () => {
      const { client, id } = await userWithTicket();
      await client.poll();
      expect((await api('POST', `/${id}/take`, { body: { agent: '山田' } })).status).toBe(200);
      const again = await api('POST', `/${id}/take`, { body: { agent: '佐藤' } });
      expect(again.status).toBe(409);
      expect(again.json).toEqual({ error: `${id} は 山田 が対応中です` });
      expect((await api<HandoffTicket>('GET', `/${id}`)).json).toMatchObject({ status: 'in-progress', agent: '山田' });
      expect((await client.poll()).map(visibleText)).toEqual([HANDOFF_PHRASES.taken('山田')]);
    });

    it('two agents taking at the same moment: exactly one 200, one 409', async () => {
      const { client, id } = await userWithTicket();
      await client.poll();
      const [a, b] = await Promise.all([api('POST', `/${id}/take`, { body: { agent: '山田' } }), api('POST', `/${id}/take`, { body: { agent: '佐藤' } })]);
      expect([a!.status, b!.status].sort()).toEqual([200, 409]);
      const winner = a!.status === 200 ? '山田' : '佐藤';
      expect((await api<HandoffTicket>('GET', `/${id}`)).json.agent).toBe(winner);
      expect((await client.poll()).map(visibleText)).toEqual([HANDOFF_PHRASES.taken(winner)]);
    });

    it('after resolve: take, messages and resolve → 409', async () => {
      const { client, id } = await userWithTicket();
      expect((await api('POST', `/${id}/resolve`, { body: { agent: '山田' } })).status).toBe(200);
      await client.poll();
      for (const [path, body] of [
        [`/${id}/take`, { agent: '佐藤' }],
        [`/${id}/messages`, { agent: '山田', text: 'まだいますか' }],
        [`/${id}/resolve`, { agent: '山田' }],
      ] as const) {
        const res = await api('POST', path, { body });
        expect(res.status, path).toBe(409);
        expect(res.json.error).toContain('完了しています');
      }
      expect(await client.poll()).toEqual([]);
    });

    it('a body over MAX_BODY_BYTES → 413', async () => {
      const res = await api('POST', `/${ticket.id}/messages`, { body: { agent: '山田', text: 'x'.repeat(300_000) } });
      expect(res.status).toBe(413);
    });

    it('unknown routes or methods under /api/handoffs are 404/405, not 5xx', async () => {
      const del = await http(`${server.base}/api/handoffs/${ticket.id}`, { method: 'DELETE', auth: API_TOKEN });
      expect([404, 405]).toContain(del.status);
      const unknownAction = await api('POST', `/${ticket.id}/reopen`, { body: { agent: '山田' } });
      expect([404, 405]).toContain(unknownAction.status);
      responses.push({ call: `DELETE /${ticket.id}`, res: del });
    });
  });

  describe('across every response above', () => {
    it('no helpdesk API response was a 5xx', () => {
      expect(responses.length).toBeGreaterThan(50);
      const failures = responses.filter(({ res }) => res.status >= 500).map(({ call, res }) => `${call} → ${res.status} ${res.text}`);
      expect(failures).toEqual([]);
    });

    it('the pasted password appears in no helpdesk API response', () => {
      const leaks = responses.filter(({ res }) => res.text.includes(PASSWORD)).map(({ call }) => call);
      expect(leaks).toEqual([]);
    });
  });
});

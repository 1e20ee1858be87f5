import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHOICES, MENU, PHRASES, YES } from '../../src/dialogs/phrases';
import { DirectLineClient, type DirectLineActivity } from '../support/directLineClient';
import { FakeConnector, teamsActivity } from '../support/fakeConnector';
import { buttonsOf, FakeSlackApi, FAKE_TEAM_ID, visibleText as slackText } from '../support/fakeSlackApi';
import { buttonData, buttons, cardSteps, cardTexts, http as request, visibleText, type CardActivity } from '../support/server';
import { freePort, startServerProcess, type ServerProcess } from '../support/serverProcess';
import { eventCallback, imMessage, newTs, sendEvent, TEST_SIGNING_SECRET } from '../support/slackSigning';
import { until } from '../support/until';

// The real server (src/main.ts, as `npm start` runs it) in a child process, killed and started again
// on the same DATA_DIR, DIRECT_LINE_SECRET and PORT.

const SECRET = 'restart-test-direct-line-secret-0123456789';
const BOT_ID = 'careplan-helpdesk-bot';
const START_TIMEOUT_MS = 20_000;

const work = mkdtempSync(join(tmpdir(), 'restart-test-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});



/** The server on this file's temp dir; killed at the end whatever happens. */
async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess(work, env, START_TIMEOUT_MS);
  children.push(server.child);
  return server;
}

/** A POST whose body is sent in two parts, `between` running after the first: a request in flight. */
function postInTwoParts(url: string, token: string, body: object, between: () => Promise<void>): Promise<{ status: number; text: string }> {
  const bytes = Buffer.from(JSON.stringify(body));
  const { hostname, port, pathname } = new URL(url);
  return new Promise((done, fail) => {
    const req = http.request(
      { host: hostname, port, path: pathname, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': bytes.length } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', fail);
    req.write(bytes.subarray(0, 8));
    between().then(() => req.end(bytes.subarray(8)), fail);
  });
}

/** True when a new connection to the port is refused or dropped (the server stopped accepting). */
function refusesConnections(base: string): Promise<boolean> {
  return new Promise((done) => {
    const req = http.get(`${base}/healthz`, { agent: false }, (res) => {
      res.resume();
      done(false);
    });
    req.on('error', () => done(true));
    req.setTimeout(2000, () => {
      req.destroy();
      done(true);
    });
  });
}

/** The whole conversation (no watermark), leaving the client's watermark alone. */
async function everything(client: DirectLineClient): Promise<DirectLineActivity[]> {
  const res = await fetch(`${client.url}/activities`, { headers: { authorization: `Bearer ${client.session.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { activities: DirectLineActivity[] }).activities;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const fromBot = (a: DirectLineActivity) => a.from?.id === BOT_ID;

describe('restart safety (real processes on one DATA_DIR)', () => {
  it('kill -9 mid-dialog: the same token reads on from its watermark and the dialog continues at the same step; SIGTERM finishes the turn in flight and exits 0', async () => {
    const env = { PORT: String(await freePort()), DATA_DIR: join(work, 'data'), DIRECT_LINE_SECRET: SECRET, HELPDESK_API_TOKEN: 'restart-test-helpdesk-token-0123' };

    // 1. First run: walk the certificate dialog to the history question.
    let server = await start(env);
    const client = await DirectLineClient.start(server.base, SECRET);
    const [welcome] = await client.poll();
    expect(buttons(welcome!)).toEqual(Object.values(MENU));
    let turn = await client.say(MENU.certificate);
    expect(visibleText(turn[1]!)).toContain(PHRASES.certPassword);
    turn = await client.click(buttonData(turn[1]!, CHOICES.certPassword.have));
    expect(visibleText(turn[1]!)).toContain(PHRASES.certLogin);
    turn = await client.say(CHOICES.login.yes);
    const historyQuestion = turn[1]!;
    expect(visibleText(historyQuestion)).toContain(PHRASES.certHistory);
    expect(buttons(historyQuestion)).toEqual(Object.values(CHOICES.history));
    const watermark = client.watermark;
    const seen = (await everything(client)).map((a) => a.id);
    expect(seen).toHaveLength(7);

    // 2. kill -9, then the same settings again.
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    server = await start(env);

    // 3. The same token: the conversation is there, nothing is newer than the old watermark, nothing was lost.
    const reconnect = await fetch(client.url, { headers: { authorization: `Bearer ${client.session.token}` } });
    expect(reconnect.status).toBe(200);
    const restarted = new DirectLineClient(server.base, client.session, client.user);
    restarted.watermark = watermark;
    expect(await restarted.poll()).toEqual([]);
    expect(restarted.watermark).toBe(watermark);
    expect((await everything(restarted)).map((a) => a.id)).toEqual(seen);

    // 4. 発行履歴なし, clicked on the card shown before the restart: the 3-1 steps, as if nothing happened.
    turn = await restarted.click(buttonData(historyQuestion, CHOICES.history.no));
    const [own, install, verify, solved, ...more] = turn;
    expect(more).toEqual([]);
    expect(own!.from?.id).toBe(client.user.id);
    expect(own!.id).toBe(`${client.session.conversationId}|0000007`);
    expect([install, verify, solved].every((a) => fromBot(a!))).toBe(true);
    expect(cardTexts(install!)[0]).toBe('介護DX証明書のインストール');
    expect(cardSteps(install!)).toHaveLength(13);
    expect(cardTexts(install!).some((t) => /^出典: スタートガイド 電子証明書インストール手順 3-1 /.test(t))).toBe(true);
    expect(visibleText(solved!)).toContain(PHRASES.solvedQuestion);
    const beforeStop = restarted.watermark;

    // 5. SIGTERM while a POST is in flight: it is answered, new connections are not, and the process exits 0.
    const inFlight = await postInTwoParts(`${restarted.url}/activities`, client.session.token, { type: 'message', text: YES, from: client.user, locale: 'ja-JP' }, async () => {
      await sleep(300);
      server.child.kill('SIGTERM');
      await sleep(300);
      expect(await refusesConnections(server.base)).toBe(true);
    });
    expect(inFlight.status, inFlight.text).toBe(200);
    const stopped = await Promise.race([server.exited, sleep(10_000).then(() => 'still running')]);
    expect(stopped, server.output()).toEqual({ code: 0, signal: null });

    // 6. What that last turn did was saved before the exit.
    server = await start(env);
    const last = new DirectLineClient(server.base, client.session, client.user);
    last.watermark = beforeStop;
    const after = await last.poll();
    expect(after.map((a) => a.text)).toEqual([YES, PHRASES.solvedThanks]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('Teams and Slack: after kill -9 the next message continues at the same step, and a message delivered again after the restart is not answered twice', async () => {
    const connector = await new FakeConnector().start();
    const slackApi = new FakeSlackApi();
    await slackApi.start();
    try {
      const env = {
        PORT: String(await freePort()),
        DATA_DIR: join(work, 'data-teams-slack'),
        SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-restartrestartrestart',
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_API_URL: slackApi.url,
      };
      let server = await start(env);

      // Teams: a message answered by one reply to the connector, read from there.
      const teamsConversation = 'a:restart-teams-conversation';
      const teams = async (fields: Record<string, unknown>) => {
        const before = connector.calls.length;
        const activity = teamsActivity(connector, teamsConversation, { type: 'message', ...fields });
        const res = await request(`${server.base}/api/messages`, { body: activity });
        expect(res.status).toBe(200);
        return { activity, replies: connector.since(before).map((c) => c.body as CardActivity) };
      };
      // Slack: a DM; the replies arrive at the fake Web API after the ack.
      const dmChannel = 'D0RESTART';
      const slack = async (text: string, ts = newTs(), headers: Record<string, string> = {}) => {
        const before = slackApi.posts().length;
        const res = await sendEvent(`${server.base}/slack/events`, eventCallback(imMessage({ user: 'U0RESTART', channel: dmChannel, text, ts }), { teamId: FAKE_TEAM_ID }), { headers });
        expect(res.status).toBe(200);
        return { ts, before };
      };
      const slackRepliesSince = (before: number) => until('the bot to answer in Slack', () => (slackApi.posts().length > before ? slackApi.posts().slice(before) : undefined), 10_000);

      // The web chat page's token, signed with the generated Direct Line secret (none is configured).
      const page = (await (await fetch(`${server.base}/api/webchat/token`, { method: 'POST', headers: { origin: server.base } })).json()) as { token: string; conversationId: string };
      const pageActivities = () => fetch(`${server.base}/v3/directline/conversations/${page.conversationId}/activities`, { headers: { authorization: `Bearer ${page.token}` } });
      expect((await pageActivities()).status).toBe(200);

      const certificate = await teams({ text: MENU.certificate });
      expect(visibleText(certificate.replies[0]!)).toContain(PHRASES.certPassword);
      const slackCertificate = await slack(MENU.certificate);
      const [slackQuestion] = await slackRepliesSince(slackCertificate.before);
      expect(slackText(slackQuestion!)).toContain(PHRASES.certPassword);

      server.child.kill('SIGKILL');
      await server.exited;
      server = await start(env);
      // The generated secret was kept under DATA_DIR: the page's token still reads its conversation.
      expect((await pageActivities()).status).toBe(200);

      // The same messages again, as Teams and Slack (x-slack-retry-num) redeliver one they think was
      // missed: nothing is answered, and the question is still the one waiting.
      expect((await teams({ text: MENU.certificate, id: certificate.activity.id })).replies).toEqual([]);
      await slack(MENU.certificate, slackCertificate.ts, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });

      const teamsNext = await teams({ text: CHOICES.certPassword.have });
      expect(visibleText(teamsNext.replies[0]!)).toContain(PHRASES.certLogin);
      const slackNext = await slack(CHOICES.certPassword.have);
      const [slackLogin] = await slackRepliesSince(slackNext.before);
      expect(slackText(slackLogin!)).toContain(PHRASES.certLogin);
      expect(buttonsOf(slackLogin!).map((b) => b.label)).toEqual(Object.values(CHOICES.login));
      // Only the answers to the new messages: the retried one got none.
      expect(slackApi.posts().slice(slackCertificate.before + 1).map((p) => p.ts)).toEqual([slackLogin!.ts]);

      // SIGTERM while a Slack turn runs (after its ack, its reply slow to post): the turn ends, its
      // reply is posted and its state saved, then the process exits 0.
      slackApi.postMessageDelayMs = 1500;
      const inFlight = await slack(CHOICES.login.yes);
      await until('the reply to be on its way', () => slackApi.callsOf('chat.postMessage').length > inFlight.before);
      server.child.kill('SIGTERM');
      expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
      expect(server.output()).not.toMatch(/"level":50/);
      // The reply's post was answered: the process waited for it.
      expect(slackApi.callsOf('chat.postMessage').every((call) => call.respondedAt !== undefined)).toBe(true);
      const [slackHistory] = slackApi.posts().slice(inFlight.before);
      expect(slackText(slackHistory!)).toContain(PHRASES.certHistory);
      slackApi.postMessageDelayMs = 0;

      server = await start(env);
      const afterStop = await slack(CHOICES.history.no);
      const [install] = await slackRepliesSince(afterStop.before);
      expect(slackText(install!)).toContain('介護DX証明書のインストール');
      expect(slackText(install!)).not.toContain(PHRASES.backToQuestion);

      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      await connector.stop();
      await slackApi.close();
    }
  }, 60_000);
});

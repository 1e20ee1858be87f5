import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/quietDeprecations';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { emptyFacts } from '../../src/dialogs/triageFacts';
import { TicketStore } from '../../src/handoff/ticketStore';
import { createLogger } from '../../src/logging';
import { RedisStorage } from '../../src/storage/redisStorage';
import { EventStream } from '../support/consoleEvents';
import { buttonsOf, FAKE_TEAM_ID, FakeSlackApi, type PostedMessage } from '../support/fakeSlackApi';
import { blockActions, eventCallback, imMessage, newTs, sendEvent, sendInteraction, TEST_SIGNING_SECRET, unique } from '../support/slackSigning';
import { tokenSignIn } from '../support/helpdeskSignIn';
import { deleteRedisKeys } from '../support/redisKeys';
import { until } from '../support/until';

// Two instances of the server on one Redis, both connected to one (fake) Slack workspace: Slack
// delivers an event to either, and retries it to either. What the helpdesk does once must happen
// once, whichever instance sees it, because the markers live in the shared store.

const REDIS_TEST_URL = process.env.REDIS_TEST_URL;
const SKIPPED = REDIS_TEST_URL ? '' : ' — skipped: no REDIS_TEST_URL and no redis-server installed';
const PREFIX = `test:handoff-${randomBytes(4).toString('hex')}:`;
const HELPDESK = 'C0HELPDESK';

describe.skipIf(!REDIS_TEST_URL)(`the helpdesk on two instances sharing one Redis${SKIPPED}`, () => {
  const fake = new FakeSlackApi();
  const apps: Array<{ app: App; base: string; events: string }> = [];
  const API_TOKEN = 'redis-handoff-test-token-0123456789';

  beforeAll(async () => {
    await fake.start();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig(
        { PORT: '3978', REDIS_URL: REDIS_TEST_URL!, REDIS_KEY_PREFIX: PREFIX, SLACK_BOT_TOKEN: 'xoxb-1111111111-2222222222-testtesttesttesttesttest', SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: fake.url, HELPDESK_SLACK_CHANNEL: HELPDESK, HELPDESK_API_TOKEN: API_TOKEN },
        '/nonexistent',
      );
      const app = createApp(config, { log: createLogger('silent'), now: () => new Date('2026-11-19T10:00:00+09:00') });
      const base = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
      apps.push({ app, base, events: `${base}/slack/events` });
    }
  });

  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await fake.close();
    await deleteRedisKeys(REDIS_TEST_URL!, PREFIX);
  });

  it('an agent\'s thread reply that Slack delivers to both instances reaches the user once; a console on the other instance sees it all live', async () => {
    const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]];
    // Signed in through A; the session, in Redis, holds on B too.
    const agentConsole = await EventStream.open(b.base, { cookie: await tokenSignIn(a.base, API_TOKEN) });
    const user = { id: `U${unique()}TESTER`, channel: `D${unique()}DMTEST` };
    const dms = () => fake.posts().filter((p) => p.channel === user.channel && p.thread_ts === undefined);

    // The user asks for a person through A: one ticket message in the helpdesk channel.
    await sendEvent(a.events, eventCallback(imMessage({ user: user.id, channel: user.channel, text: '担当者' }), { teamId: FAKE_TEAM_ID }));
    const opened = await until('the ticket number in the DM', () => dms().map((p) => /受付番号 (HD-[0-9A-F]{8})/.exec(p.text)?.[1]).find(Boolean));
    const ticket = await until('the ticket message', () => fake.posts().find((p): p is PostedMessage => p.channel === HELPDESK && p.thread_ts === undefined && p.text.includes(opened)));

    // The agent takes it through B.
    const take = buttonsOf(ticket).find((button) => button.label === '対応する')!;
    await sendInteraction(b.events, blockActions({ teamId: FAKE_TEAM_ID, user: 'U0AGENTA', channel: HELPDESK, message: { ts: ticket.ts, text: ticket.text, blocks: ticket.blocks }, action: take }));
    await until('the take reaches the user', () => dms().some((p) => p.text.includes('担当者（u0agenta）が対応します')));

    // One reply, delivered to A and (Slack's retry) to B at the same moment.
    const reply = { type: 'message', channel: HELPDESK, channel_type: 'channel', user: 'U0AGENTA', text: '確認します', ts: newTs(), thread_ts: ticket.ts };
    const envelope = eventCallback(reply, { teamId: FAKE_TEAM_ID });
    const answers = await Promise.all([sendEvent(a.events, envelope), sendEvent(b.events, envelope, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await until('the reply reaches the user', () => dms().some((p) => p.text.includes('確認します')));
    // Whatever else either instance does next (a barrier: the agent's next reply) comes after.
    await sendEvent(b.events, eventCallback({ ...reply, text: '少々お待ちください', ts: newTs() }, { teamId: FAKE_TEAM_ID }));
    await until('the next reply', () => dms().some((p) => p.text.includes('少々お待ちください')));
    expect(dms().filter((p) => p.text.includes('確認します'))).toHaveLength(1);
    expect(fake.posts().filter((p) => p.channel === HELPDESK && p.thread_ts === undefined && p.text.includes(opened))).toHaveLength(1);

    // The console on B heard the ticket opened through A, the take, and the reply once.
    await until('the reply in the console', () => agentConsole.tickets().some((e) => e.ticketId === opened && e.line?.text === '少々お待ちください'));
    const seen = agentConsole.tickets().filter((e) => e.ticketId === opened);
    expect(seen.map((e) => e.kind)).toEqual(['opened', 'taken', 'message', 'message']);
    expect(seen.filter((e) => e.line?.text === '確認します')).toHaveLength(1);
    agentConsole.close();
  }, 30_000);

  it('a marker claimed from two connections at once is claimed once', async () => {
    const prefix = `${PREFIX}claim:`;
    const [one, two] = [new RedisStorage(REDIS_TEST_URL!, { prefix }), new RedisStorage(REDIS_TEST_URL!, { prefix })];
    await Promise.all([one.open(), two.open()]);
    try {
      const [storeOne, storeTwo] = [new TicketStore(one), new TicketStore(two)];
      const ticket = await storeOne.create({
        status: 'waiting',
        reason: 'requested',
        channel: 'slack',
        conversation: {},
        userName: 'U1',
        facts: emptyFacts(),
        summary: '詳細未確認 — 担当者との会話を希望',
        transcript: [],
        createdAt: '2026-11-19T01:00:00.000Z',
        helpdesk: {},
      });
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? storeOne : storeTwo).claim(ticket.id, 'slack:posted')));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await storeTwo.get(ticket.id))?.helpdesk.markers).toEqual(['slack:posted']);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

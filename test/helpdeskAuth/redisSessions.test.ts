import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/quietDeprecations';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { deleteRedisKeys, redisKeys } from '../support/redisKeys';

// Two instances on one Redis, as behind a load balancer: a helpdesk session started through one is
// known to the other, and a sign-out through either ends it everywhere.

const REDIS_TEST_URL = process.env.REDIS_TEST_URL;
const SKIPPED = REDIS_TEST_URL ? '' : ' — skipped: no REDIS_TEST_URL and no redis-server installed';
const TOKEN = 'redis-sessions-helpdesk-token-0123';
const PREFIX = `test:sessions-${randomBytes(4).toString('hex')}:`;

describe.skipIf(!REDIS_TEST_URL)(`helpdesk sessions on one Redis${SKIPPED}`, () => {
  const apps: Array<{ app: App; base: string }> = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({ REDIS_URL: REDIS_TEST_URL!, REDIS_KEY_PREFIX: PREFIX, HELPDESK_API_TOKEN: TOKEN, DIRECT_LINE_SECRET: 'redis-sessions-direct-line-secret' }, '/nonexistent');
      const app = createApp(config, { log: createLogger('silent') });
      apps.push({ app, base: `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}` });
    }
  });
  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await deleteRedisKeys(REDIS_TEST_URL!, PREFIX);
  });

  it('signed in through A, the agent uses B; signed out through B, A refuses the cookie too', async () => {
    const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]];
    const signIn = await fetch(`${a.base}/helpdesk/signin`, { method: 'POST', redirect: 'manual', headers: { origin: a.base, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}` });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const page = await fetch(`${b.base}/helpdesk/dashboard`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())![1]!;

    // What Redis holds is keyed by a hash of the cookie, never by the cookie itself.
    const keys = await redisKeys(REDIS_TEST_URL!, `${PREFIX}item:helpdesk/session/*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(cookie.split('=')[1]);

    const out = await fetch(`${b.base}/helpdesk/signout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${csrf}` });
    expect(out.status).toBe(303);
    expect((await fetch(`${a.base}/helpdesk/api/dashboard`, { headers: { cookie } })).status).toBe(401);
  });
});

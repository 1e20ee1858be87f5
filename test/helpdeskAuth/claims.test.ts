import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, oidcSettings } from '../../src/config';
import { agentFromClaims, decodePending, encodePending, SignInRefused } from '../../src/helpdeskAuth/oidc';

const OIDC = { HELPDESK_OIDC_ISSUER: 'https://login.microsoftonline.com/tenant-a/v2.0', HELPDESK_OIDC_CLIENT_ID: 'app', HELPDESK_OIDC_CLIENT_SECRET: 'secret-value' };
const load = (env: Record<string, string>) => loadConfig(env, '/nonexistent');

describe('who may sign in (the ID token claims)', () => {
  const limits = { allowedTenants: [], allowedGroups: ['g-helpdesk'], allowedDomains: [] };

  it('lets in a member of an allowed group, named by `name`, identified by `oid`', () => {
    expect(agentFromClaims({ sub: 's1', oid: 'o1', name: '鈴木', groups: ['g-other', 'g-helpdesk'] }, limits)).toEqual({ id: 'o1', name: '鈴木' });
  });

  it('refuses someone in none of the groups, and someone whose groups Entra left out (too many)', () => {
    expect(() => agentFromClaims({ sub: 's1', groups: ['g-other'] }, limits)).toThrow(SignInRefused);
    expect(() => agentFromClaims({ sub: 's1' }, limits)).toThrow('グループに所属していません');
    expect(() => agentFromClaims({ sub: 's1', _claim_names: { groups: 'src1' } }, limits)).toThrow('所属グループが多すぎる');
  });

  it('needs every configured limit: the right tenant with the wrong domain is refused', () => {
    const both = { allowedTenants: ['t1'], allowedGroups: [], allowedDomains: ['careplan.example.jp'] };
    expect(agentFromClaims({ sub: 's', tid: 't1', email: 'a@CAREPLAN.example.jp' }, both).name).toBe('a@CAREPLAN.example.jp');
    expect(() => agentFromClaims({ sub: 's', tid: 't1', email: 'a@careplan.example.jp.evil' }, both)).toThrow(SignInRefused);
    expect(() => agentFromClaims({ sub: 's', tid: 't2', email: 'a@careplan.example.jp' }, both)).toThrow(SignInRefused);
    expect(() => agentFromClaims({ sub: 's', tid: 't1' }, both)).toThrow(SignInRefused);
  });
});

describe('sign-in settings', () => {
  it('without OIDC settings: the token sign-in, as 「ヘルプデスク」 unless HELPDESK_AGENT_NAME says otherwise', () => {
    expect(oidcSettings(load({}))).toBeUndefined();
    expect(load({}).HELPDESK_AGENT_NAME).toBe('ヘルプデスク');
    expect(load({ HELPDESK_AGENT_NAME: ' 受付窓口 ' }).HELPDESK_AGENT_NAME).toBe('受付窓口');
  });

  it('reads the OIDC settings and their lists', () => {
    const settings = oidcSettings(load({ ...OIDC, HELPDESK_OIDC_ALLOWED_TENANTS: 'tenant-a, tenant-b', HELPDESK_OIDC_ALLOWED_DOMAINS: '@CarePlan.example.jp' }));
    expect(settings).toMatchObject({ issuer: OIDC.HELPDESK_OIDC_ISSUER, allowedTenants: ['tenant-a', 'tenant-b'], allowedGroups: [], allowedDomains: ['careplan.example.jp'] });
  });

  it('refuses half an OIDC setup, one without any limit, and a plain-http issuer elsewhere than this machine', () => {
    expect(() => load({ HELPDESK_OIDC_ISSUER: OIDC.HELPDESK_OIDC_ISSUER })).toThrow(/HELPDESK_OIDC_CLIENT_ID, HELPDESK_OIDC_CLIENT_SECRET: must be set together with HELPDESK_OIDC_ISSUER/);
    expect(() => load(OIDC)).toThrow(/any Microsoft account could sign in/);
    expect(() => load({ ...OIDC, HELPDESK_OIDC_ISSUER: 'http://idp.example/v2.0', HELPDESK_OIDC_ALLOWED_TENANTS: 't' })).toThrow(ConfigError);
    expect(oidcSettings(load({ ...OIDC, HELPDESK_OIDC_ISSUER: 'http://127.0.0.1:9000', HELPDESK_OIDC_ALLOWED_TENANTS: 't' }))?.issuer).toBe('http://127.0.0.1:9000');
    expect(() => load({ HELPDESK_SESSION_HOURS: '0' })).toThrow(/HELPDESK_SESSION_HOURS/);
  });
});

describe('a sign-in on its way through the provider (its cookie)', () => {
  const now = new Date('2026-11-19T10:00:00+09:00');
  const pending = { state: 's', nonce: 'n', codeVerifier: 'v', redirectUri: 'https://h/helpdesk/auth/callback', next: '/helpdesk', expiresAt: now.getTime() + 600_000 };

  it('reads back what was written, until it expires', () => {
    expect(decodePending(encodePending(pending), now)).toEqual(pending);
    expect(decodePending(encodePending(pending), new Date(pending.expiresAt))).toBeUndefined();
  });

  it('a broken or incomplete value is no sign-in', () => {
    for (const value of ['', 'garbage', Buffer.from('{"state":1}').toString('base64url'), encodePending({ ...pending, nonce: '' }), Buffer.from('null').toString('base64url')]) {
      expect(decodePending(value, now), value).toBeUndefined();
    }
  });
});

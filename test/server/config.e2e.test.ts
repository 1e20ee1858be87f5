import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { freePort, startServerProcess } from '../support/serverProcess';

const ROOT = join(__dirname, '..', '..');
const load = (env: Record<string, string>) => loadConfig(env, '/nonexistent');

/** The error loadConfig throws for this environment. */
function configError(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults need nothing set', () => {
    const config = load({});
    expect(config).toMatchObject({ PORT: 3978, LOG_LEVEL: 'info', MAX_BODY_BYTES: 256 * 1024, WEBCHAT_ALLOWED_ORIGINS: [], HANDOFF_RETENTION_DAYS: 90 });
    expect(config.MicrosoftAppId).toBeUndefined();
    expect(config.DIRECT_LINE_SECRET).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '39.5'],
    ['DIRECT_LINE_SECRET', 'short'],
    ['MicrosoftAppType', 'Nope'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_BODY_BYTES', '10'],
    ['WEBCHAT_ALLOWED_ORIGINS', 'not a url'],
    ['HELPDESK_CLOSED_DATES', 'someday'],
    ['HANDOFF_RETENTION_DAYS', '0'],
    ['HANDOFF_RETENTION_DAYS', 'forever'],
  ])('%s=%s throws a ConfigError naming the variable', (name, value) => {
    const error = configError({ [name]: value });
    expect(error.message).toMatch(/^invalid configuration:/);
    // One line per problem, starting with the variable (and, for a list, the item's index).
    expect(error.message).toMatch(new RegExp(`\\n  ${name}[.:]`));
  });

  it('several bad values are all named', () => {
    const { message } = configError({ PORT: 'abc', DIRECT_LINE_SECRET: 'short', MicrosoftAppType: 'Nope' });
    for (const name of ['PORT', 'DIRECT_LINE_SECRET', 'MicrosoftAppType']) expect(message).toContain(`\n  ${name}:`);
  });

  it('the error never repeats the secret it rejects', () => {
    expect(configError({ DIRECT_LINE_SECRET: 'hunter2-secret' }).message).not.toContain('hunter2-secret');
  });

  it('good values are parsed', () => {
    const config = load({
      PORT: '8080',
      DIRECT_LINE_SECRET: 'a-secret-of-sixteen+',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppId: '  6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b  ',
      MicrosoftAppPassword: '   ',
      WEBCHAT_ALLOWED_ORIGINS: 'https://vendor.example/chat, http://localhost:8080',
      HANDOFF_RETENTION_DAYS: '30',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppId: '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
      WEBCHAT_ALLOWED_ORIGINS: ['https://vendor.example', 'http://localhost:8080'],
      HANDOFF_RETENTION_DAYS: 30,
    });
    expect(config.MicrosoftAppPassword).toBeUndefined();
  });
});

describe('npm start (src/main.ts) with a bad configuration', () => {
  it('PORT=abc: exits non-zero and prints the variable name, without starting', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: 'abc', LOG_LEVEL: 'silent', NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(code, stderr).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain('invalid configuration');
    expect(stderr).toContain('PORT');
    // A configuration problem is a message, not a stack trace, and nothing was started.
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('listening');
    expect(stdout).not.toContain('DIRECT_LINE_SECRET was not set');
  });
});

describe('npm start (src/main.ts) with no secrets set, its output collected (not a terminal)', () => {
  it('generates the Direct Line secret and the helpdesk API token, keeps them owner-only under DATA_DIR, names them in a warning, and writes neither value', async () => {
    const work = mkdtempSync(join(tmpdir(), 'generated-secrets-'));
    const server = await startServerProcess(work, { PORT: String(await freePort()), DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info' });
    try {
      // The generated secret is in use: the page's token endpoint signs with it.
      const token = await fetch(`${server.base}/api/webchat/token`, { method: 'POST', headers: { origin: server.base } });
      expect(token.status).toBe(200);
      const keptPath = join(work, 'data', 'generated-secrets.json');
      const kept = JSON.parse(readFileSync(keptPath, 'utf8')) as Record<string, string>;
      expect(statSync(keptPath).mode & 0o777).toBe(0o600);
      const output = server.output();
      expect(output).toContain(`DIRECT_LINE_SECRET was not set; a generated one is used (kept in ${keptPath}`);
      expect(output).toContain(`HELPDESK_API_TOKEN was not set; a generated one is used (kept in ${keptPath}`);
      for (const name of ['DIRECT_LINE_SECRET', 'HELPDESK_API_TOKEN']) {
        expect(kept[name]).toMatch(/^.{16,}$/);
        expect(output).not.toContain(kept[name]);
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(work, { recursive: true, force: true });
    }
  });
});

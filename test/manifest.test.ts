import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MENU } from '../src/dialogs/phrases';
import { drawColor, drawOutline } from '../scripts/makeIcons';
import { PackageError, readSettings, validateManifest } from '../scripts/packageTeams';

const ROOT = join(__dirname, '..');
const MANIFEST_DIR = join(ROOT, 'manifest');
const SCRIPT = join(ROOT, 'scripts', 'packageTeams.ts');
const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const SCHEMAS_DIR = join(dirname(requireFromRoot.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');

const SAMPLE_ID = '3f2b8c1e-7a4d-4e9b-b5c6-0d1e2f3a4b5c';
const SAMPLE_DOMAIN = 'bot.example.org';
const THE_ONLY_URL = 'https://www.careplan-renkei-support.jp/';

const template = () => readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8');
const filled = (id = SAMPLE_ID, domain = SAMPLE_DOMAIN) =>
  JSON.parse(template().replaceAll('{{BOT_ID}}', id).replaceAll('{{BOT_DOMAIN}}', domain)) as Manifest;

interface Command {
  title: string;
  description?: string;
}
interface Manifest {
  $schema: string;
  manifestVersion: string;
  id: string;
  localizationInfo?: { defaultLanguageTag?: string };
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full?: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor: string;
  bots: Array<{
    botId: string;
    scopes: string[];
    supportsFiles?: boolean;
    isNotificationOnly?: boolean;
    commandLists: Array<{ scopes: string[]; commands: Command[] }>;
  }>;
  validDomains: string[];
}

type SchemaArg = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;
type ManifestArg = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];

/** Newest numbered schema folder bundled in @microsoft/app-manifest (vDevPreview excluded). */
function latestReleasedSchema(): string {
  const versions = readdirSync(SCHEMAS_DIR)
    .filter((d) => /^v\d+\.\d+$/.test(d) && existsSync(join(SCHEMAS_DIR, d, 'MicrosoftTeams.schema.json')))
    .map((d) => d.slice(1).split('.').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const latest = versions.at(-1);
  if (!latest) throw new Error(`no Teams schemas in ${SCHEMAS_DIR}`);
  return latest.join('.');
}

function bundledSchema(version: string): SchemaArg {
  return JSON.parse(readFileSync(join(SCHEMAS_DIR, `v${version}`, 'MicrosoftTeams.schema.json'), 'utf8')) as SchemaArg;
}

/** Schema validation only, offline: the bundled schema is passed in, so nothing is fetched. */
const schemaErrors = (manifest: unknown, version: string) =>
  AppManifestUtils.validateAgainstSchema(manifest as ManifestArg, bundledSchema(version));

// ---------------------------------------------------------------------------------------------
// A small PNG decoder: chunks with CRCs, IHDR, IDAT inflated with node:zlib, filters 0-4.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Png {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  channels: number;
  /** Unfiltered pixels, row-major, `channels` bytes each. */
  pixels: Buffer;
}

function decodePng(file: Buffer): Png {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let off = 8; off < file.length; ) {
    const length = file.readUInt32BE(off);
    const typeAndData = file.subarray(off + 4, off + 8 + length);
    expect(file.readUInt32BE(off + 8 + length), 'chunk CRC').toBe(crc32(typeAndData));
    chunks.push({ type: typeAndData.toString('ascii', 0, 4), data: typeAndData.subarray(4) });
    off += 12 + length;
  }
  const ihdr = chunks[0]!;
  expect(ihdr.type).toBe('IHDR');
  expect(chunks.at(-1)?.type).toBe('IEND');
  const width = ihdr.data.readUInt32BE(0);
  const height = ihdr.data.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = [...ihdr.data.subarray(8, 13)] as [number, number, number, number, number];
  expect(bitDepth, 'bit depth').toBe(8);
  expect(interlace, 'interlace').toBe(0);
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  if (!channels) throw new Error(`unsupported PNG colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  expect(raw.length).toBe((stride + 1) * height);
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      const paeth = () => {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, filter === 4 ? paeth() : 0][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter type ${filter} on row ${y}`);
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, colorType, bitDepth, channels, pixels };
}

const icon = (name: string) => decodePng(readFileSync(join(MANIFEST_DIR, name)));

// ---------------------------------------------------------------------------------------------

describe('manifest/manifest.json', () => {
  const manifest = filled();

  beforeEach(() => {
    // Validation must never go to the network.
    vi.stubGlobal('fetch', () => Promise.reject(new Error('network access attempted during validation')));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('uses the latest released schema that @microsoft/app-manifest bundles', () => {
    const version = latestReleasedSchema();
    expect(manifest.manifestVersion).toBe(version);
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/en-us/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`);
  });

  it('is valid against the bundled JSON schema once the placeholders are filled in', async () => {
    expect(await schemaErrors(manifest, manifest.manifestVersion)).toEqual([]);
    // The packager's validation (schema + Teams rules) agrees.
    expect(await validateManifest(manifest)).toEqual([]);
  });

  it('the schema check does reject bad manifests', async () => {
    const raw = JSON.parse(template()) as Manifest;
    expect((await schemaErrors(raw, raw.manifestVersion)).join('\n')).toMatch(/\/id must match pattern/);
    const extra = { ...manifest, packageName: 'jp.example.helpdesk' };
    expect((await schemaErrors(extra, manifest.manifestVersion)).join('\n')).toMatch(/packageName/);
  });

  it('has the placeholders exactly where the packager fills them', () => {
    const raw = JSON.parse(template()) as Manifest;
    expect(raw.id).toBe('{{BOT_ID}}');
    expect(raw.bots[0]?.botId).toBe('{{BOT_ID}}');
    expect(raw.validDomains).toEqual(['{{BOT_DOMAIN}}']);
    expect(template().match(/\{\{[^}]*\}\}/g)?.sort()).toEqual(['{{BOT_DOMAIN}}', '{{BOT_ID}}', '{{BOT_ID}}']);
  });

  it('describes the helpdesk bot in Japanese, with the one public URL', () => {
    expect(manifest.localizationInfo?.defaultLanguageTag).toBe('ja-jp');
    expect(manifest.name).toEqual({ short: 'ヘルプデスクbot', full: 'ケアプランデータ連携システム ヘルプデスクbot' });
    expect(manifest.developer.name).toBe('ケアプランデータ連携システム ヘルプデスク');
    expect([...manifest.description.short].length).toBeLessThanOrEqual(80);
    expect([...manifest.description.full].length).toBeLessThanOrEqual(4000);
    for (const text of [manifest.description.short, manifest.description.full]) expect(text).toMatch(/[ぁ-んァ-ヶ一-龠]/);
    expect(manifest.accentColor).toMatch(/^#[0-9A-Fa-f]{6}$/);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    const urls = template().match(/https?:\/\/[^"\s]+/g) ?? [];
    expect(urls.filter((u) => !u.startsWith('https://developer.microsoft.com/'))).toEqual(Array(3).fill(THE_ONLY_URL));
    expect(template()).not.toContain('token.botframework.com');
  });

  it('declares one conversational bot in personal, team and group chat scopes', () => {
    expect(manifest.bots).toHaveLength(1);
    const bot = manifest.bots[0]!;
    expect(bot.botId).toBe(manifest.id);
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot.supportsFiles).toBe(false);
    expect(bot.isNotificationOnly).toBe(false);
  });

  it('offers the menu entries, メニュー and ヘルプ as commands in every scope', () => {
    const bot = manifest.bots[0]!;
    expect(bot.commandLists.flatMap((l) => l.scopes).sort()).toEqual([...bot.scopes].sort());
    const expected = ['メニュー', ...Object.values(MENU), 'ヘルプ'].sort();
    for (const list of bot.commandLists) {
      expect(list.scopes).toHaveLength(1);
      expect(list.commands.map((c) => c.title).sort()).toEqual(expected);
    }
  });

  it('keeps every command title ≤ 32 characters and description ≤ 128', () => {
    const commands = manifest.bots.flatMap((b) => b.commandLists.flatMap((l) => l.commands));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect([...command.title].length, command.title).toBeLessThanOrEqual(32);
      expect(command.title.trim()).toBe(command.title);
      expect(command.description, command.title).toBeTruthy();
      expect([...(command.description ?? '')].length, command.title).toBeLessThanOrEqual(128);
    }
  });
});

describe('icons', () => {
  it('color.png is a 192×192 full-colour, opaque image', () => {
    const png = icon('color.png');
    expect([png.width, png.height]).toEqual([192, 192]);
    expect([2, 6]).toContain(png.colorType);
    const colours = new Set<string>();
    for (let i = 0; i < png.pixels.length; i += png.channels) {
      colours.add(png.pixels.subarray(i, i + 3).toString('hex'));
      if (png.channels === 4) expect(png.pixels[i + 3]).toBe(255);
    }
    expect(colours.size).toBeGreaterThan(2);
    // Background in the accent colour.
    expect(`#${png.pixels.subarray(0, 3).toString('hex')}`.toLowerCase()).toBe(filled().accentColor.toLowerCase());
  });

  it('outline.png is 32×32, RGBA, white on transparent', () => {
    const png = icon('outline.png');
    expect([png.width, png.height]).toEqual([32, 32]);
    expect(png.colorType).toBe(6);
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < png.pixels.length; i += 4) {
      const [r, g, b, a] = png.pixels.subarray(i, i + 4);
      if (a === 0) transparent++;
      else expect([r, g, b], `pixel ${i / 4}`).toEqual([255, 255, 255]);
      if (a === 255) opaque++;
    }
    expect(transparent).toBeGreaterThan(100);
    expect(opaque).toBeGreaterThan(100);
  });

  it('are what scripts/makeIcons.ts draws', () => {
    expect(decodePng(drawColor()).pixels.equals(icon('color.png').pixels)).toBe(true);
    expect(decodePng(drawOutline()).pixels.equals(icon('outline.png').pixels)).toBe(true);
  });
});

describe('packaging (scripts/packageTeams.ts)', () => {
  const tsx = pathToFileURL(requireFromRoot.resolve('tsx')).href;

  /** Runs the script in a fresh directory (so no real .env is read), with only the given settings. */
  function runPackager(settings: Record<string, string>, dotenv?: string) {
    const cwd = mkdtempSync(join(tmpdir(), 'teams-pkg-'));
    if (dotenv !== undefined) writeFileSync(join(cwd, '.env'), dotenv);
    const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
    for (const name of ['MicrosoftAppId', 'BOT_DOMAIN']) if (!(name in settings)) delete env[name];
    const out = join(cwd, 'out');
    const result = spawnSync(process.execPath, ['--import', tsx, SCRIPT, '--out', out], { cwd, env, encoding: 'utf8' });
    return { ...result, zipPath: join(out, 'teams-app.zip') };
  }

  it('writes teams-app.zip with the manifest (ids and domain filled in) and both icons at the root', () => {
    const run = runPackager({ MicrosoftAppId: SAMPLE_ID, BOT_DOMAIN: SAMPLE_DOMAIN });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(run.zipPath);
    const files = unzipSync(readFileSync(run.zipPath));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const text = Buffer.from(files['manifest.json']!).toString('utf8');
    expect(text).not.toContain('{{');
    const manifest = JSON.parse(text) as Manifest;
    expect(manifest.id).toBe(SAMPLE_ID);
    expect(manifest.bots[0]?.botId).toBe(SAMPLE_ID);
    expect(manifest.validDomains).toEqual([SAMPLE_DOMAIN]);
    expect(manifest).toEqual(filled());
    for (const name of ['color.png', 'outline.png']) {
      expect(Buffer.from(files[name]!).equals(readFileSync(join(MANIFEST_DIR, name))), name).toBe(true);
    }
  });

  it('reads settings from a .env too, the environment winning', () => {
    const run = runPackager({ MicrosoftAppId: SAMPLE_ID }, `MicrosoftAppId=00000000-0000-0000-0000-000000000000\nBOT_DOMAIN=env-file.example.org\n`);
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(Buffer.from(unzipSync(readFileSync(run.zipPath))['manifest.json']!).toString('utf8')) as Manifest;
    expect(manifest.id).toBe(SAMPLE_ID);
    expect(manifest.validDomains).toEqual(['env-file.example.org']);
  });

  it('fails, naming MicrosoftAppId, when it is missing', () => {
    const run = runPackager({ BOT_DOMAIN: SAMPLE_DOMAIN });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/MicrosoftAppId: is not set/);
    expect(run.stdout).toBe('');
    expect(existsSync(run.zipPath)).toBe(false);
  });

  it('rejects an app id that is not a GUID and a domain with a scheme, naming each variable', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        readSettings(env, '/nonexistent/.env');
      } catch (err) {
        expect(err).toBeInstanceOf(PackageError);
        return (err as Error).message;
      }
      throw new Error('accepted bad settings');
    };
    expect(problems({ MicrosoftAppId: 'my-bot', BOT_DOMAIN: SAMPLE_DOMAIN })).toMatch(/MicrosoftAppId: must be .*GUID/);
    expect(problems({ MicrosoftAppId: '  ', BOT_DOMAIN: SAMPLE_DOMAIN })).toMatch(/MicrosoftAppId: is not set/);
    expect(problems({ MicrosoftAppId: SAMPLE_ID, BOT_DOMAIN: 'https://bot.example.org' })).toMatch(/BOT_DOMAIN: must be a host name without a scheme/);
    expect(problems({ MicrosoftAppId: SAMPLE_ID, BOT_DOMAIN: 'bot.example.org/api' })).toMatch(/BOT_DOMAIN: must be a host name/);
    expect(problems({ MicrosoftAppId: SAMPLE_ID })).toMatch(/BOT_DOMAIN: is not set/);
    expect(readSettings({ MicrosoftAppId: SAMPLE_ID.toUpperCase(), BOT_DOMAIN: SAMPLE_DOMAIN }, '/nonexistent/.env').BOT_DOMAIN).toBe(SAMPLE_DOMAIN);
  });
});

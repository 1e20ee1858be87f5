/**
 * Builds the Microsoft Teams app package: manifest/manifest.json with its placeholders filled in,
 * validated offline against the JSON schema bundled in @microsoft/app-manifest, zipped with the two
 * icons at the zip root.
 *
 *   MicrosoftAppId=<bot app id> BOT_DOMAIN=bot.example.org npm run package:teams [-- --out <dir>]
 *
 * Settings come from the environment, then from an optional .env in the current directory (the
 * environment wins), as in src/config.ts. Writes <out>/teams-app.zip (default dist/) and prints its path.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { zipSync } from 'fflate';
import { z } from 'zod';

export const ROOT = resolve(__dirname, '..');
export const MANIFEST_DIR = join(ROOT, 'manifest');
export const DEFAULT_OUT_DIR = join(ROOT, 'dist');
export const PACKAGE_NAME = 'teams-app.zip';
/** The files of the package, all at the zip root. */
export const PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png'] as const;
/** Teams' limits on bot command text (the schema itself allows more since v1.28). */
export const MAX_COMMAND_TITLE = 32;
export const MAX_COMMAND_DESCRIPTION = 128;
/** Expected icon sizes, per the Teams icon rules. */
export const ICON_SIZES: Record<string, number> = { color: 192, outline: 32 };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export class PackageError extends Error {}

/** An unset or blank variable counts as missing. */
const blankIsMissing = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is not set; set it to ${what}` : `must be a string (${what})`;

export const PackageSettings = z.object({
  MicrosoftAppId: z.preprocess(
    blankIsMissing,
    z
      .string({ error: required("the bot's Microsoft App ID, a GUID") })
      .trim()
      .regex(GUID, "must be the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000"),
  ),
  BOT_DOMAIN: z.preprocess(
    blankIsMissing,
    z
      .string({ error: required('the host name the bot is served from, e.g. bot.example.org') })
      .trim()
      .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v), {
        message: 'must be a host name without a scheme, e.g. bot.example.org (not https://…)',
        abort: true,
      })
      .refine((v) => HOST_NAME.test(v), 'must be a host name (no scheme, path or port), e.g. bot.example.org'),
  ),
});
export type PackageSettings = z.infer<typeof PackageSettings>;

/** Reads the packaging settings; a missing or bad value throws a PackageError naming the variable. */
export function readSettings(env: NodeJS.ProcessEnv = process.env, dotenvPath = '.env'): PackageSettings {
  const fromFile = existsSync(dotenvPath) ? parseEnv(readFileSync(dotenvPath, 'utf8')) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  const result = PackageSettings.safeParse(merged);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new PackageError(`invalid packaging settings:\n  ${problems.join('\n  ')}`);
}

/** Replaces {{BOT_ID}} and {{BOT_DOMAIN}}; any other (or leftover) placeholder is an error. */
export function fillPlaceholders(template: string, settings: PackageSettings): string {
  const values: Record<string, string> = { BOT_ID: settings.MicrosoftAppId, BOT_DOMAIN: settings.BOT_DOMAIN };
  const unknown = new Set<string>();
  const filled = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) unknown.add(whole);
    // Values are validated (GUID, host name), so they never need JSON escaping.
    return value ?? whole;
  });
  if (unknown.size > 0) throw new PackageError(`manifest.json has unknown placeholders: ${[...unknown].join(', ')}`);
  return filled;
}

type SchemaArg = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;
type ManifestArg = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];

const TEAMS_SCHEMA_URL = /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v[^/]+)\/MicrosoftTeams\.schema\.json$/i;

/**
 * The Teams manifest schema named by the manifest's "$schema", read from the copy bundled in
 * @microsoft/app-manifest. Never fetched: a schema the package does not bundle is an error.
 */
export function bundledSchemaPath(manifest: { $schema?: unknown; manifestVersion?: unknown }): string {
  const url = typeof manifest.$schema === 'string' ? manifest.$schema : '';
  const match = TEAMS_SCHEMA_URL.exec(url);
  if (!match) throw new PackageError(`manifest.json: "$schema" must be a developer.microsoft.com Teams schema URL, got ${JSON.stringify(manifest.$schema)}`);
  const folder = match[1]!;
  if (folder !== `v${String(manifest.manifestVersion)}`) {
    throw new PackageError(`manifest.json: "$schema" (${folder}) does not match "manifestVersion" (${String(manifest.manifestVersion)})`);
  }
  const packageDir = dirname(createRequire(join(ROOT, 'package.json')).resolve('@microsoft/app-manifest/package.json'));
  const file = join(packageDir, 'build', 'json-schemas', 'teams', folder, 'MicrosoftTeams.schema.json');
  if (!existsSync(file)) throw new PackageError(`@microsoft/app-manifest does not bundle the Teams schema ${folder}; refusing to download it`);
  return file;
}

interface CommandList {
  scopes?: unknown;
  commands?: Array<{ title?: unknown; description?: unknown }>;
}
interface ManifestShape {
  $schema?: unknown;
  manifestVersion?: unknown;
  id?: unknown;
  icons?: { color?: unknown; outline?: unknown };
  bots?: Array<{ botId?: unknown; commandLists?: CommandList[] }>;
}

/** The checks the schema cannot express: Teams' command text limits, one bot whose id is the app id. */
export function teamsRuleProblems(manifest: ManifestShape): string[] {
  const problems: string[] = [];
  const bot = manifest.bots?.[0];
  if (!bot) return ['/bots must declare the bot'];
  if (bot.botId !== manifest.id) problems.push('/bots/0/botId must equal /id (the bot\'s Microsoft App ID)');
  (bot.commandLists ?? []).forEach((list, l) => {
    (list.commands ?? []).forEach((command, c) => {
      const at = `/bots/0/commandLists/${l}/commands/${c}`;
      if (typeof command.title !== 'string' || [...command.title].length > MAX_COMMAND_TITLE) {
        problems.push(`${at}/title must be at most ${MAX_COMMAND_TITLE} characters: ${JSON.stringify(command.title)}`);
      }
      if (typeof command.description === 'string' && [...command.description].length > MAX_COMMAND_DESCRIPTION) {
        problems.push(`${at}/description must be at most ${MAX_COMMAND_DESCRIPTION} characters`);
      }
    });
  });
  for (const [key, file] of Object.entries({ color: 'color.png', outline: 'outline.png' })) {
    if (manifest.icons?.[key as 'color' | 'outline'] !== file) problems.push(`/icons/${key} must be "${file}" (the file packaged at the zip root)`);
  }
  return problems;
}

/** Schema errors (from the bundled schema, validated with the package's own ajv setup) plus the Teams rules. */
export async function validateManifest(manifest: unknown): Promise<string[]> {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) return ['manifest.json must hold a JSON object'];
  const shape = manifest as ManifestShape;
  const schema = JSON.parse(readFileSync(bundledSchemaPath(shape), 'utf8')) as SchemaArg;
  const schemaProblems = await AppManifestUtils.validateAgainstSchema(manifest as ManifestArg, schema);
  return [...schemaProblems, ...teamsRuleProblems(shape)];
}

/** Width, height, colour type from the IHDR chunk (which must come first). */
export function pngHeader(png: Uint8Array): { width: number; height: number; colorType: number } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(signature) || buf.toString('ascii', 12, 16) !== 'IHDR') {
    throw new PackageError('not a PNG file');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf[25]! };
}

function checkIcon(name: string, png: Uint8Array): void {
  const size = ICON_SIZES[name.replace(/\.png$/, '')]!;
  const { width, height, colorType } = pngHeader(png);
  if (width !== size || height !== size) throw new PackageError(`manifest/${name} must be ${size}×${size}, is ${width}×${height}`);
  if (name === 'outline.png' && colorType !== 6 && colorType !== 4) {
    throw new PackageError('manifest/outline.png must have an alpha channel (white on transparent)');
  }
}

/** The zip's bytes and the filled-in manifest; throws a PackageError listing every problem. */
export async function buildPackage(settings: PackageSettings, manifestDir = MANIFEST_DIR): Promise<{ zip: Uint8Array; manifest: unknown }> {
  const missing = PACKAGE_FILES.filter((f) => !existsSync(join(manifestDir, f)));
  if (missing.length > 0) {
    throw new PackageError(`missing in ${manifestDir}: ${missing.join(', ')}${missing.some((f) => f.endsWith('.png')) ? ' (run: npx tsx scripts/makeIcons.ts)' : ''}`);
  }
  const text = fillPlaceholders(readFileSync(join(manifestDir, 'manifest.json'), 'utf8'), settings);
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    throw new PackageError(`manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const problems = await validateManifest(manifest);
  if (problems.length > 0) throw new PackageError(`manifest.json is not a valid Teams manifest:\n  ${problems.join('\n  ')}`);

  const files: Record<string, Uint8Array> = { 'manifest.json': Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8') };
  for (const icon of ['color.png', 'outline.png']) {
    const png = readFileSync(join(manifestDir, icon));
    checkIcon(icon, png);
    files[icon] = png;
  }
  return { zip: zipSync(files, { level: 9 }), manifest };
}

/** `--out <dir>` / `--out=<dir>`: where teams-app.zip goes (default dist/ in the project). */
export function parseArgs(argv: string[]): { outDir: string } {
  let outDir = DEFAULT_OUT_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      if (!value) throw new PackageError('--out needs a directory');
      outDir = resolve(value);
    } else {
      throw new PackageError(`unknown argument: ${arg} (usage: package:teams [--out <dir>])`);
    }
  }
  return { outDir };
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<string> {
  const { outDir } = parseArgs(argv);
  const settings = readSettings(env);
  const { zip } = await buildPackage(settings);
  mkdirSync(outDir, { recursive: true });
  const outPath = join(outDir, PACKAGE_NAME);
  writeFileSync(outPath, zip);
  return outPath;
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main().then(
    (outPath) => console.log(outPath),
    (err: unknown) => {
      console.error(`package:teams: ${err instanceof PackageError ? err.message : err instanceof Error ? err.stack : String(err)}`);
      process.exitCode = 1;
    },
  );
}

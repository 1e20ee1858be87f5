import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A new random secret (Direct Line secret, helpdesk API token): 256 bits, URL-safe. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Secrets the operator did not set, generated once and kept in a file only the owner may read
 * (under DATA_DIR, beside the state they protect), so that tokens issued before a restart stay
 * valid after it with the same settings.
 */
export class KeptSecrets {
  constructor(readonly path: string) {}

  /** The kept value of `name`, generated and written the first time. */
  get(name: string): string {
    const kept = this.read();
    if (kept[name]) return kept[name];
    const value = generateSecret();
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify({ ...kept, [name]: value }), { mode: 0o600 });
    return value;
  }

  private read(): Record<string, string> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return {};
      // Not the error's message: a JSON error quotes the file, which holds secrets.
      throw new Error(`${this.path} is not a readable JSON file (${code ?? 'invalid JSON'}); delete it to generate new secrets`);
    }
  }
}

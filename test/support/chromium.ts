import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core: nothing is downloaded; without it the browser tests skip. */
export const CHROMIUM = '/usr/bin/chromium';
export const NO_BROWSER = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the browser test`;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often have a 64 MB /dev/shm; Debian's launcher adds this only when its own check works.
  '--disable-dev-shm-usage',
];

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** A headless Chromium (Japanese unless `locale` says otherwise) with a throwaway profile; `options` adds the viewport, time zone… */
export async function launchChromium(options: { locale?: string; viewport?: { width: number; height: number }; timezoneId?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-test-'));
  const context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    locale: 'ja-JP',
    ...options,
    // Chromium's crash-report database goes under XDG_CONFIG_HOME, not the user data dir: keep it in the temp dir too.
    env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'config'), XDG_CACHE_HOME: join(profile, 'cache') },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Debian's Chromium driven by playwright-core, for the dashboard's browser suites and
 * `npm run docs:screenshots`: the installed browser (no download), headless, nothing fetched from
 * the network on its own, a profile of its own that is removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Playwright from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.WXPLUGIN_CHROMIUM ?? '/usr/bin/chromium';

export interface OpenBrowser {
  /** One browser profile: its pages share cookies, as a person's tabs do. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<OpenBrowser> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof Playwright;
  const profile = mkdtempSync(join(tmpdir(), 'wxplugin-chromium-'));
  // A persistent context is how playwright takes a profile folder of its own (--user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

export interface WithPlaygroundOptions {
  /** The server's URL. */
  url: string;
  /** Entered in the page's API key field when the server has one. */
  apiKey?: string;
  /** Picked in the page's database list. */
  database: string;
  /** What the test does on the page. */
  use: (page: Page) => Promise<void>;
}

/**
 * Opens the playground in headless Chromium (`/usr/bin/chromium`, a throwaway profile), enters the API key, picks
 * the database, runs `use`, and closes the browser.
 */
export async function withPlayground(options: WithPlaygroundOptions): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'aquila-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args,
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${options.url}/`);
    if (options.apiKey !== undefined) {
      await page.fill('#api-key', options.apiKey);
      await page.press('#api-key', 'Tab');
    }
    await page.waitForSelector(`#database option[value="${options.database}"]`, { state: 'attached' });
    await page.selectOption('#database', options.database);
    await options.use(page);
  } finally {
    await browser.close();
    await rm(profile, { recursive: true, force: true });
  }
}

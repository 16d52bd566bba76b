import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { HttpHost } from '@sluice/core';
import { createApp } from '../src/app.js';

// Debian's Chromium, never a downloaded one (as in browser.test.ts).
const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);

describe('chat sample: the API reference page in Chromium', () => {
  if (!hasChromium) {
    if (process.env.CI) {
      it('needs Chromium', () => {
        throw new Error(`${chromiumPath} not found: CI must install Chromium (apt-get install chromium) so the browser test runs.`);
      });
    } else {
      it.skip(`needs ${chromiumPath}`, () => undefined);
    }
    return;
  }

  let host: HttpHost;
  let userDataDir: string;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    host = createApp(0);
    await host.start();
    userDataDir = await mkdtemp(path.join(tmpdir(), 'sluice-docs-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await host?.stop();
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  });

  it('renders both operations from /openapi.json, loading nothing from another origin', async () => {
    const page = await context!.newPage();
    const elsewhere: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(host.url) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${host.url}/docs`);
    await page.getByText("A member's event stream", { exact: false }).first().waitFor({ timeout: 10_000 });
    await page.getByText('Post a message to everyone in the room').first().waitFor({ timeout: 10_000 });
    expect(await page.title()).toBe('Sluice chat');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

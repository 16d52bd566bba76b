import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrowserContext } from 'playwright-core';
import { launchChromium, withoutChromium } from '../../../test/support/chromium.js';
import type { HttpHost } from '@sluice/core';
import { createApp } from '../src/app.js';

describe('chat sample: the API reference page in Chromium', () => {
  if (withoutChromium()) return;

  let host: HttpHost;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    host = createApp(0);
    await host.start();
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
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

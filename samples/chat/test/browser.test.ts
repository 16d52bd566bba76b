import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, withoutChromium } from '../../../test/support/chromium.js';
import type { HttpHost } from '@sluice/core';
import { EventSourceRegistry } from '@sluice/sse';
import { createApp } from '../src/app.js';
import { TcpProxy } from './support/TcpProxy.js';

const screenshotPath = fileURLToPath(new URL('../../../test-artifacts/chat.png', import.meta.url));
const wait = { timeout: 5_000 };

describe('chat sample in Chromium', () => {
  if (withoutChromium()) return;

  let host: HttpHost;
  let proxy: TcpProxy;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    // A short retry: a page that lost its stream tries again every 200 ms.
    host = createApp(0, { retryMs: 200 });
    await host.start();
    proxy = await TcpProxy.start(host.port);
    browser = await launchChromium({ viewport: { width: 1000, height: 680 } });
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await host?.stop();
  });

  async function joinAs(page: Page, name: string): Promise<void> {
    await page.locator('#name-input').fill(name);
    await page.locator('#join-button').click();
    await page.locator('#status[data-state="live"]').waitFor(wait);
  }

  async function sendFromUi(page: Page, text: string): Promise<void> {
    await page.locator('#composer-input').fill(text);
    await page.locator('#composer-input').press('Enter');
    // The sender's own stream brings it back once the server has it.
    await page.locator('#messages li.message .text', { hasText: text }).waitFor(wait);
  }

  const member = (page: Page, name: string) => page.locator(`#members li[data-name="${name}"]`);
  const messages = (page: Page) => page.locator('#messages li.message');

  it('two pages chat; a page cut off the network catches up through Last-Event-ID, each message once', async () => {
    const ada = await context!.newPage();
    const bob = await context!.newPage();
    await ada.goto(`${host.url}/`);
    await bob.goto(`${proxy.url}/`); // bob's page reaches the server through the proxy we can cut
    await joinAs(ada, 'ada');
    await joinAs(bob, 'bob');

    // Presence on both sides.
    await member(ada, 'bob').waitFor(wait);
    await member(bob, 'ada').waitFor(wait);
    expect(await ada.locator('#member-count').textContent()).toBe('2');

    // A message typed in ada's page shows in bob's.
    await sendFromUi(ada, 'Hello Bob!');
    const greeting = messages(bob).filter({ hasText: 'Hello Bob!' });
    await greeting.waitFor(wait);
    const seenId = await greeting.getAttribute('data-id');
    expect(seenId).toMatch(/^\d+$/);

    // Cut bob off. The server notices (ada sees him leave); his page keeps trying and is turned away.
    proxy.sever();
    await bob.locator('#status[data-state="reconnecting"]').waitFor(wait);
    await member(ada, 'bob').waitFor({ ...wait, state: 'detached' });

    const missed = ['Are you there?', 'You missed this.', 'And this.'];
    for (const text of missed) await sendFromUi(ada, text);
    expect(await messages(bob).count()).toBe(1);

    // Back online: EventSource reconnects by itself, sending the id of the last message it saw.
    proxy.restore();
    await bob.locator('#status[data-state="live"]').waitFor(wait);
    await messages(bob).filter({ hasText: missed[2]! }).waitFor(wait);
    expect(host.container.get(EventSourceRegistry).getByIdentifier('chat-bob')?.lastEventId).toBe(seenId);
    await member(ada, 'bob').waitFor(wait);

    // Live again; then every message is on bob's page exactly once, in order.
    await sendFromUi(ada, 'Welcome back.');
    await messages(bob).filter({ hasText: 'Welcome back.' }).waitFor(wait);
    expect(await bob.locator('#messages li.message .text').allTextContents()).toEqual(['Hello Bob!', ...missed, 'Welcome back.']);
    const ids = (await messages(bob).evaluateAll((items) => items.map((item) => item.getAttribute('data-id')))).map(Number);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));

    // And bob's page can talk again.
    await sendFromUi(bob, "Thanks, I'm all caught up.");
    await messages(ada).filter({ hasText: "Thanks, I'm all caught up." }).waitFor(wait);

    await mkdir(path.dirname(screenshotPath), { recursive: true });
    await bob.screenshot({ path: screenshotPath });
  });
});

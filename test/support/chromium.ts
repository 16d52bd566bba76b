import { it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, never a downloaded one. */
export const chromiumPath = '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
const baseArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

/**
 * Call first inside a browser `describe`: without Chromium, registers a skipped test locally (saying
 * why) and a failing one under CI, and returns true so the describe returns.
 */
export function withoutChromium(): boolean {
  if (hasChromium) return false;
  if (process.env.CI) {
    it('needs Chromium', () => {
      throw new Error(`${chromiumPath} not found: CI must install Chromium (apt-get install chromium) so the browser test runs.`);
    });
  } else {
    it.skip(`needs ${chromiumPath} (apt-get install chromium)`, () => undefined);
  }
  return true;
}

/** A headless Chromium with a fresh user-data dir; `close()` removes it. */
export async function launchChromium(
  options: { extraArgs?: readonly string[]; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [...baseArgs, ...(options.extraArgs ?? [])],
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

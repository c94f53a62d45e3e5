import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.DOCKERCISE_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with nothing that reaches for the network on its own. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`these tests need Chromium at ${CHROMIUM} (apt-get install chromium, or run .ci/run)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}

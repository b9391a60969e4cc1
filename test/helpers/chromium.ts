/**
 * Debian's headless Chromium for the browser tests, with the flags this closed network needs
 * (no background connections). A missing binary is an install problem: it fails loudly.
 */
import { access, constants } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`${CHROMIUM} is missing — run \`make services\` (installs chromium)`);
  });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

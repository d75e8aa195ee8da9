/**
 * The Debian Chromium (/usr/bin/chromium, a test package of stack/debian-packages.ts), headless,
 * for the tests that drive pages. Test support only.
 */
import { chromium, type Browser } from 'playwright-core';

/**
 * No sandbox (Chromium will not start as root with one), no GPU, and none of the browser's own background
 * traffic (updates, sync, QUIC probes): a test's only traffic is to its loopback server.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts a headless Chromium; the caller stops it with `browser.close()` in its `after`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
}

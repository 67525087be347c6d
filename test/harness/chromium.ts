// A real headless browser for tests: Debian's `chromium` package, driven by puppeteer-core
// (which downloads no browser of its own).
//
//   node dist/test/harness/chromium.js install
import puppeteer, { type Browser } from 'puppeteer-core';
import { installDebianPackage } from './debian-package.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function installChromium(log?: (line: string) => void): Promise<string> {
  if (process.env['CHROMIUM_BIN']) return Promise.resolve(process.env['CHROMIUM_BIN']);
  return installDebianPackage('chromium', CANDIDATES, log);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = await installChromium();
  return puppeteer.launch({
    executablePath,
    headless: true,
    // no sandbox: tests run as root in a container; no GPU on the test machines
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
  });
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'install') {
  installChromium().then(
    (bin) => process.stdout.write(`${bin}\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}

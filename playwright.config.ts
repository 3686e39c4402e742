import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from './e2e/support/chromium';
import { freePort } from './e2e/support/free-port';

// Playwright loads this file in the runner and again in every worker. The runner picks the port, the data
// directory and the browser once and leaves them in the environment, which the workers inherit.
process.env.E2E_PORT ??= String(await freePort());
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'ringpost-e2e-'));
process.env.CHROMIUM_PATH ??= resolveChromium();

// 127.0.0.1 is a secure context for WebCrypto just as localhost is, without the IPv6 detour.
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

export default defineConfig({
  testDir: './e2e',
  // Not test-results/ itself: Playwright empties its output folder, and the unit report lives there too.
  outputDir: 'test-results/e2e-artifacts',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  timeout: 60_000,
  reporter: process.env.CI
    ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]]
    : [['list'], ['html', { open: 'never', outputFolder: 'test-results/e2e-report' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // The real production path: build the SPA, then one server for app and API on a throwaway SQLite file.
    command: 'npm run build --silent && tsx src/server/index.ts',
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: process.env.E2E_PORT,
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      RINGPOST_LOG: '0',
      // Every spec signs up from 127.0.0.1; the limits themselves are proven in the API tests.
      RINGPOST_RATE_SIGNUP_ADDRESS: '10000/1h',
      RINGPOST_RATE_SIGNIN_ADDRESS: '10000/1h',
    },
  },
});

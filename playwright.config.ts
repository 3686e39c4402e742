import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, resolveChromium } from './e2e/support/chromium';
import { freePort } from './src/server/testing/free-port';

// Playwright loads this file in the runner and again in every worker. The runner picks the port, the data
// directory and the browser once and leaves them in the environment, which the workers inherit.
process.env.E2E_PORT ??= String(await freePort());
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'ringpost-e2e-'));
// Each run builds into its own folder, so two runs on one machine never overwrite each other's bundle. It
// sits inside the project so the compiled server finds its packages in node_modules, as in production.
mkdirSync('node_modules/.tmp', { recursive: true });
process.env.E2E_BUILD_DIR ??= mkdtempSync(join('node_modules/.tmp', 'e2e-build-'));
process.env.CHROMIUM_PATH ??= resolveChromium();

// 127.0.0.1 is a secure context for WebCrypto just as localhost is, without the IPv6 detour.
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

export default defineConfig({
  testDir: './e2e',
  globalTeardown: './e2e/support/global-teardown.ts',
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
    // The real production path: the SPA and the compiled server, run with plain node on a throwaway SQLite
    // file, one origin for app and API. Its log (stdout, where every line goes) is kept in the data folder
    // for the leak check after the run (e2e/support/leak-check.ts); stderr still shows here.
    command: [
      `vite build --logLevel warn --emptyOutDir --outDir ${process.env.E2E_BUILD_DIR}/app`,
      `npm run build:server --silent -- --outfile=${process.env.E2E_BUILD_DIR}/server/index.js`,
      `exec node --enable-source-maps ${process.env.E2E_BUILD_DIR}/server/index.js >>${process.env.E2E_DATA_DIR}/server.log`,
    ].join(' && '),
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: process.env.E2E_PORT,
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      RINGPOST_STATIC_DIR: `${process.env.E2E_BUILD_DIR}/app`,
      // The request log on, as in production, so the leak check reads the lines a real server writes.
      RINGPOST_LOG: '1',
      // Every spec signs up from 127.0.0.1; the limits themselves are proven in the API tests.
      RINGPOST_RATE_SIGNUP_ADDRESS: '10000/1h',
      RINGPOST_RATE_SIGNIN_ADDRESS: '10000/1h',
      RINGPOST_RATE_CLAIM_NAME_ADDRESS: '10000/1h',
      // A few decoys are enough for the stories, and the pool fills while the first ones run.
      RINGPOST_DECOY_POOL: '20',
    },
  },
});

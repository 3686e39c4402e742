import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM_ARGS, resolveChromium } from './e2e/support/chromium.ts';

// Two projects, one run: most tests under Node, and `*.browser.test.ts` in real Chromium for what only a
// browser has (IndexedDB holding CryptoKeys). `vitest run` runs both; CI's JSON report covers both.

export default defineConfig({
  test: {
    // CI also writes a JSON report, which scripts/test-summary.ts folds into one closing line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/unit.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          // bench/ holds the benchmark's own key-generation paths and their checks; scripts/ the build's.
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        // Listed up front so Vite does not discover it mid-run and reload the page under the test.
        optimizeDeps: { include: ['idb', 'react-dom/client', '@tanstack/react-query'] },
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts'],
          // A failing browser test leaves a screenshot; keep it with the other reports, out of src/.
          attachmentsDir: 'test-results/vitest-attachments',
          testTimeout: 20_000,
          hookTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            // The page is served from localhost, a secure context, so WebCrypto is there as in the app.
            provider: playwright({
              launchOptions: { executablePath: resolveChromium(), args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
            screenshotDirectory: 'test-results/browser-screenshots',
          },
        },
      },
    ],
  },
});

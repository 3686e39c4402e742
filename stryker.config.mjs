// @ts-check
import process from 'node:process';

// `npm run mutation`: StrykerJS over the shared crypto, the server's data layer, its auth and its rate
// limits (issue 12). Not in CI: a run takes tens of minutes. RINGPOST_MUTATE narrows it to one glob.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  // The tests reach the mutated code through the app as often as by direct import: run them all.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: process.env.RINGPOST_MUTATE
    ? [process.env.RINGPOST_MUTATE, '!**/*.test.ts', '!**/testing/**', '!src/shared/crypto/vectors/**']
    : [
        'src/shared/crypto/**/*.ts',
        'src/server/db/**/*.ts',
        'src/server/auth/**/*.ts',
        'src/server/rate-limit.ts',
        'src/server/middleware/rate-limit.ts',
        'src/server/middleware/session.ts',
        '!**/*.test.ts',
        '!**/testing/**',
        '!src/shared/crypto/test-vectors.ts',
        // The script that wrote the saved envelope vectors once; the vectors themselves are what is tested.
        '!src/shared/crypto/vectors/**',
      ],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: the migrations' DDL, column lists) run every test for each
  // mutant, over 60 % of the run's time for under a quarter of the mutants; Stryker reports them as
  // ignored, outside the score. The migrations run in every store test, so a broken one fails them all.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'test-results/mutation/index.html' },
  jsonReporter: { fileName: 'test-results/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: 85 },
  // Reruns only retest mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'test-results/mutation/incremental.json',
  tempDirName: 'node_modules/.tmp/stryker',
  cleanTempDir: 'always',
};
export default config;

import { defineConfig } from 'vitest/config';

// `npm run mutation` (StrykerJS): the Node tests of the code under mutation, without the browser project,
// which Stryker's vitest runner cannot instrument. PostgreSQL store tests run too when TEST_DATABASE_URL
// is set; SQLite's always do.
export default defineConfig({
  test: {
    include: [
      'src/shared/crypto/**/*.test.ts',
      'src/server/db/**/*.test.ts',
      'src/server/auth/**/*.test.ts',
      'src/server/rate-limit.test.ts',
      'src/server/routes/accounts.test.ts',
      'src/server/routes/messages.test.ts',
      'src/server/routes/ring.test.ts',
      'src/server/routes/directory.test.ts',
      'src/server/routes/identity.test.ts',
      // The marks and the history read only through their routes.
      'src/server/routes/history.test.ts',
      // The event log is read through the push streams. Not the two-instance tests: 16 s for each mutant
      // they cover, where pg-listener.test.ts drives the listener directly.
      'src/server/push/*.test.ts',
      'src/server/job-locks.test.ts',
      'src/server/jobs.test.ts',
      'src/server/app.test.ts',
      'src/server/middleware/*.test.ts',
    ],
    exclude: ['**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

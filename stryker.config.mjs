// @ts-check
import { readFileSync } from 'node:fs';
import process from 'node:process';

// One part of `npm run mutation`, named by RINGPOST_MUTATION_PART (mutation/parts.json; scripts/
// mutation.ts runs them in turn and adds up the score); RINGPOST_MUTATE instead mutates one glob of its
// own, for a quick look. Each part keeps its incremental result in mutation/, committed, so a run cut
// short keeps what it finished and the next retests only what changed.
/** @type {{ parts: Record<string, string[]>, notMutated: string[] }} */
const { parts, notMutated } = JSON.parse(readFileSync('mutation/parts.json', 'utf8'));
const partName = process.env.RINGPOST_MUTATION_PART ?? 'adhoc';
const part =
  partName === 'adhoc'
    ? { mutate: [process.env.RINGPOST_MUTATE ?? 'src/shared/crypto/**/*.ts'], dir: 'test-results/mutation' }
    : { mutate: parts[partName] ?? [], dir: 'mutation' };
if (part.mutate.length === 0) throw new Error(`No mutation part named ${partName}`);
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  // The tests reach the mutated code through the app as often as by direct import: run them all.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [...part.mutate, ...notMutated],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants: the migrations' DDL, column lists) run every test for each
  // mutant, over 60 % of the run's time for under a quarter of the mutants; Stryker reports them as
  // ignored, outside the score. The migrations run in every store test, so a broken one fails them all.
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `test-results/mutation/${partName}.html` },
  jsonReporter: { fileName: `test-results/mutation/${partName}.json` },
  // The floor applies to the whole run, which scripts/mutation.ts adds up; one part may sit below it.
  thresholds: { high: 90, low: 85, break: null },
  // Reruns only retest mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: `${part.dir}/${partName}.json`,
  tempDirName: 'node_modules/.tmp/stryker',
  cleanTempDir: 'always',
};
export default config;

import { existsSync, readFileSync } from 'node:fs';

// Folds the unit (Vitest) and end-to-end (Playwright) JSON reports into closing lines of the form
// "N passed, N failed", so a CI log ends with one readable verdict.

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}
interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
}

function read<T>(path: string): T | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

const unit = read<VitestReport>('test-results/unit.json');
const e2e = read<PlaywrightReport>('test-results/e2e.json');
const status = Number(process.argv[2] ?? '0');

let passed = 0;
let failed = 0;
let skipped = 0;
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + unit.numTodoTests;
  console.log(`unit: ${unit.numPassedTests} passed, ${unit.numFailedTests} failed`);
} else {
  console.log('unit: no report (the run stopped before the unit tests: type check, lint or format)');
}
if (e2e) {
  const { expected, unexpected, flaky, skipped: e2eSkipped } = e2e.stats;
  passed += expected + flaky;
  failed += unexpected;
  skipped += e2eSkipped;
  console.log(`e2e: ${expected + flaky} passed, ${unexpected} failed`);
} else {
  console.log('e2e: no report (the run stopped before the end-to-end tests)');
}
// A run that stopped early has failed even if no test did.
if (status !== 0 && failed === 0) failed = 1;
console.log(`total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);

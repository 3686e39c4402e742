import { rmSync } from 'node:fs';
import { checkRunForLeaks } from './leak-check';

// After the last story, and while the shared server still runs (Playwright stops it after this): the leak
// check over everything the run recorded, then the run's throwaway build and data folders (made in
// playwright.config.ts) go. A leak fails the run, and the data folder stays so the leak can be looked into.
export default function globalTeardown(): void {
  const buildDir = process.env.E2E_BUILD_DIR;
  const dataDir = process.env.E2E_DATA_DIR;
  try {
    if (dataDir) console.log(checkRunForLeaks(dataDir));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  } finally {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  }
}

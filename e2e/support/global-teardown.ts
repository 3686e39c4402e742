import { rmSync } from 'node:fs';

// The run's throwaway build and data folders (made in playwright.config.ts) go when the run ends.
export default function globalTeardown(): void {
  for (const dir of [process.env.E2E_BUILD_DIR, process.env.E2E_DATA_DIR]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RELEASE_MANIFEST_PATH } from '../src/shared/protocol/release.ts';
import {
  buildLocalRelease,
  fetchServed,
  readLocalRelease,
  verdictOf,
  verifyRelease,
  type LocalRelease,
} from './verify-release.ts';

// `npm run verify -- <url> [--manifest <file>]`: does the instance at <url> serve what this checkout
// builds? Exit 0 when every file matches, 1 when anything differs, 2 when the check could not be made.
// --manifest skips the build and compares with a manifest written by an earlier one.

const USAGE = 'Usage: npm run verify -- <url> [--manifest <file>]';

function parseOrigin(text: string | undefined): URL {
  if (!text) throw new Error(`Give the address of a running instance. ${USAGE}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${text} is not a URL; give one such as https://ringpost.example.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${text} is not an http:// or https:// address.`);
  }
  return url;
}

async function localRelease(manifestFile: string | undefined): Promise<LocalRelease> {
  if (manifestFile) return readLocalRelease(manifestFile);
  const outDir = mkdtempSync(join(tmpdir(), 'ringpost-verify-'));
  try {
    console.error('Building this checkout to compare with…');
    return await buildLocalRelease(outDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { manifest: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new Error(`Give one address. ${USAGE}`);
  const origin = parseOrigin(positionals[0]);
  // Asked before the build, so a wrong address fails in a second rather than after half a minute.
  await fetchServed(origin, RELEASE_MANIFEST_PATH, 'identity');
  const local = await localRelease(values.manifest);
  const against = values.manifest ? `what ${values.manifest} lists` : undefined;
  const verdict = verdictOf(origin, local, await verifyRelease(origin, local), against);
  for (const line of verdict.lines) console.log(line);
  return verdict.ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  // Anything thrown means the check could not be made (a bad address, no answer, a failed build).
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs names a bad option in a TypeError with a code; the usage line says what it takes.
  const isArgumentError = error instanceof TypeError && 'code' in error;
  console.error(isArgumentError ? `${message} ${USAGE}` : message);
  process.exitCode = 2;
}

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

// `npm run mutation [-- part ...]`: StrykerJS over the crypto, the data layer, auth and rate limits
// (issue 12), one part of mutation/parts.json at a time, then one score over every part. A part's
// result stays in mutation/<part>.json (Stryker's incremental file, committed), so an interrupted run
// loses only the part it was in, and a rerun retests only mutants whose code or covering tests changed.
// Naming parts runs only those; the score is still added up over all of them, from their saved results;
// `-- --score` only adds them up.

interface PartsFile {
  floor: number;
  parts: Record<string, string[]>;
}

type MutantStatus =
  'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface MutationReport {
  files: Record<string, { mutants: { status: MutantStatus }[] }>;
}

interface Tally {
  detected: number;
  undetected: number;
  ignored: number;
}

/** Stryker's own score: killed and timed-out mutants over all that ran or had no test. */
function tally(report: MutationReport): Tally {
  const counts: Tally = { detected: 0, undetected: 0, ignored: 0 };
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (status === 'Killed' || status === 'Timeout') counts.detected += 1;
      else if (status === 'Survived' || status === 'NoCoverage') counts.undetected += 1;
      else counts.ignored += 1;
    }
  }
  return counts;
}

function score({ detected, undetected }: Tally): number {
  const valid = detected + undetected;
  return valid === 0 ? 100 : (100 * detected) / valid;
}

/**
 * The store tests run on PostgreSQL too, as in CI: without it the PostgreSQL paths would count as
 * untested, and a part's saved result would depend on the machine that ran it.
 */
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function main(): number {
  const { floor, parts } = JSON.parse(readFileSync('mutation/parts.json', 'utf8')) as PartsFile;
  const names = Object.keys(parts);
  // --score adds up the saved results without running anything.
  const scoreOnly = process.argv.includes('--score');
  const asked = process.argv.slice(2).filter((arg) => arg !== '--score');
  const unknown = asked.filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    console.error(`No mutation part named ${unknown.join(', ')}; the parts are ${names.join(', ')}.`);
    return 2;
  }
  for (const name of scoreOnly ? [] : asked.length > 0 ? asked : names) {
    console.log(`== mutation part ${name} (PostgreSQL at ${databaseUrl}): ${parts[name]?.join(' ')}`);
    const run = spawnSync('npx', ['stryker', 'run'], {
      stdio: 'inherit',
      env: { ...process.env, RINGPOST_MUTATION_PART: name, TEST_DATABASE_URL: databaseUrl },
    });
    if (run.status !== 0) console.error(`Part ${name} did not finish (exit ${run.status ?? run.signal}).`);
  }

  const total: Tally = { detected: 0, undetected: 0, ignored: 0 };
  const missing: string[] = [];
  const width = Math.max(...names.map((name) => name.length)) + 1;
  console.log('\nMutation score by part (from mutation/<part>.json):');
  for (const name of names) {
    const path = `mutation/${name}.json`;
    if (!existsSync(path)) {
      missing.push(name);
      console.log(`  ${name.padEnd(width)} not run yet`);
      continue;
    }
    const part = tally(JSON.parse(readFileSync(path, 'utf8')) as MutationReport);
    total.detected += part.detected;
    total.undetected += part.undetected;
    total.ignored += part.ignored;
    console.log(
      `  ${name.padEnd(width)} ${score(part).toFixed(2).padStart(6)} %  ` +
        `${part.detected} detected, ${part.undetected} undetected, ${part.ignored} ignored`,
    );
  }
  const overall = score(total);
  console.log(
    `Mutation score: ${overall.toFixed(2)} % over ${total.detected + total.undetected} mutants ` +
      `(${total.undetected} undetected, ${total.ignored} ignored); floor ${floor} %` +
      (missing.length > 0 ? `; parts not run yet: ${missing.join(', ')}` : ''),
  );
  return missing.length === 0 && overall >= floor ? 0 : 1;
}

process.exitCode = main();

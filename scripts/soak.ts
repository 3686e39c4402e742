import { spawnSync } from 'node:child_process';
import { runRingTimingBench, type TimingSeries } from '../bench/ring-timing';
import { runSignInTimingBench } from '../bench/sign-in-timing';
import { runSignUpTimingBench } from '../bench/sign-up-timing';

// `npm run soak`: the full versions of the hardening checks that `npm test` runs bounded (DESIGN §5).
// Crash safety (20 kills over 10,000 messages, SQLite and PostgreSQL) and the fuzzing of every route
// (1,000 cases each) and the mailbox model (300 command sequences) run as their vitest files with
// RINGPOST_SOAK=1; the enumeration timing runs here,
// 2,000 samples per class, and fails on a median difference over 1 ms or a Mann-Whitney p below 0.01.

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const env = {
  ...process.env,
  RINGPOST_SOAK: '1',
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? DEFAULT_DATABASE_URL,
};

interface Step {
  name: string;
  ok: boolean;
  lines: string[];
}

/** Runs one vitest file in full, passing its output through, and keeps the lines it reports. */
function vitestStep(name: string, file: string, keep: RegExp): Step {
  console.log(`== ${name}: ${file}`);
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'node', file], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${run.stdout}${run.stderr}`;
  process.stdout.write(output);
  // Vitest colours its lines; the kept ones are matched and quoted without the escapes.
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  return { name, ok: run.status === 0, lines: plain.filter((line) => keep.test(line.trim())) };
}

const MAX_DIFFERENCE_MS = 1;
const SIGNIFICANCE = 0.01;

/** The normal approximation is good to about 1e-7, so smaller p-values are not printed as if exact. */
const pText = (p: number) => (p < 1e-6 ? '< 1e-6' : `= ${p.toPrecision(3)}`);

function timingLine(label: string, series: TimingSeries): { ok: boolean; line: string } {
  const difference = Math.abs(series.medianDifferenceMs);
  const ok = difference <= MAX_DIFFERENCE_MS && series.pValue >= SIGNIFICANCE;
  return {
    ok,
    line:
      `timing ${label}: ${series.samples / 2} + ${series.samples / 2} samples, median difference ` +
      `${series.medianDifferenceMs.toFixed(3)} ms, Mann-Whitney p ${pText(series.pValue)}: ` +
      (ok ? 'ok' : `FAIL (limit ${MAX_DIFFERENCE_MS} ms, p ≥ ${SIGNIFICANCE})`),
  };
}

async function timingStep(): Promise<Step> {
  console.log('== enumeration timing: 2,000 interleaved samples per class');
  const samples = 4_000;
  const ring = await runRingTimingBench(samples);
  const results = [
    timingLine('sign-in (wrong password vs unknown account)', await runSignInTimingBench(samples)),
    timingLine('sign-up (taken vs free account name)', await runSignUpTimingBench(samples)),
    timingLine('directory lookup (real vs unknown community name)', ring.lookup),
    timingLine('invite (real vs unknown community name)', ring.invite),
  ];
  for (const { line } of results) console.log(line);
  return { name: 'timing', ok: results.every((result) => result.ok), lines: results.map(({ line }) => line) };
}

// `npm run soak -- timing fuzzing` runs only the steps named; with none named, every step runs.
const runs: Record<string, () => Step | Promise<Step>> = {
  crash: () => vitestStep('crash safety', 'src/server/crash.test.ts', /^crash run/),
  fuzzing: () => vitestStep('fuzzing', 'src/server/app.fuzz.test.ts', /^fuzz:/),
  model: () => vitestStep('mailbox model', 'src/server/mailbox.model.test.ts', /^Tests /),
  timing: timingStep,
};
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in runs));
if (unknown.length > 0) {
  console.error(`Unknown soak step ${unknown.join(', ')}; the steps are ${Object.keys(runs).join(', ')}.`);
  process.exit(2);
}
const steps: Step[] = [];
for (const [name, run] of Object.entries(runs)) {
  if (asked.length === 0 || asked.includes(name)) steps.push(await run());
}

console.log('\n== soak summary');
for (const step of steps) {
  console.log(`${step.ok ? 'ok  ' : 'FAIL'} ${step.name}`);
  for (const line of step.lines) console.log(`     ${line.trim()}`);
}
process.exitCode = steps.every((step) => step.ok) ? 0 : 1;

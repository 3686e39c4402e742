import { mkdir, writeFile } from 'node:fs/promises';
import { runKeygenBench } from './keygen';
import { runSignInTimingBench } from './sign-in-timing';

// `npm run bench`: every benchmark in turn; prints tables and writes bench/results/summary.json.
// Figures only: nothing here passes or fails on speed.

const keygen = await runKeygenBench();
console.log('');
const signIn = await runSignInTimingBench();
console.log('Sign-in refusal timing (real app, SQLite, interleaved)');
console.table([
  { answer: 'wrong password', medianMs: signIn.wrongPasswordMedianMs.toFixed(2) },
  { answer: 'unknown account', medianMs: signIn.unknownAccountMedianMs.toFixed(2) },
]);
console.log(`unknown / wrong median ratio: ${signIn.ratio.toFixed(3)} over ${signIn.runs} runs each`);

await mkdir('bench/results', { recursive: true });
await writeFile(
  'bench/results/summary.json',
  JSON.stringify({ measuredAt: new Date().toISOString(), keygen, signIn }, null, 2) + '\n',
);

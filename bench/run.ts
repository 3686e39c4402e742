import { mkdir, writeFile } from 'node:fs/promises';
import { formatDeliveryLatency, runDeliveryLatencyBench } from './delivery-latency';
import { formatEnvelopeBench, runEnvelopeBench } from './envelope';
import { runKeygenBench } from './keygen';
import { formatHistoryUi, runHistoryUiBench } from './history-ui';
import { formatPushMemory, runPushMemoryBench } from './push-memory';
import { runRingTimingBench, type TimingSeries } from './ring-timing';
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

console.log('');
const ring = await runRingTimingBench();
console.log('Invite and directory lookup timing, real vs unknown names (real app, SQLite, interleaved)');
console.table(
  (['invite', 'lookup'] as const).map((endpoint) => ({
    endpoint,
    ...figuresRow(ring[endpoint]),
  })),
);

function figuresRow(figures: TimingSeries) {
  return {
    samples: figures.samples,
    realMedianMs: figures.realMedianMs.toFixed(3),
    unknownMedianMs: figures.unknownMedianMs.toFixed(3),
    realP95Ms: figures.realP95Ms.toFixed(3),
    unknownP95Ms: figures.unknownP95Ms.toFixed(3),
    medianDifferenceMs: figures.medianDifferenceMs.toFixed(3),
  };
}

console.log('');
const envelope = await runEnvelopeBench();
console.log('Envelope v1 in a real worker, 160 characters (seal = encrypt + sign, open = verify + decrypt)');
console.table(formatEnvelopeBench(envelope));

console.log('');
const delivery = [
  await runDeliveryLatencyBench({ store: 'sqlite' }),
  await runDeliveryLatencyBench({ store: 'postgres' }),
];
console.log('Send → Delivered over loopback, server in its own process, messages one at a time');
console.table(delivery.flatMap(formatDeliveryLatency));

console.log('');
const pushMemory = await runPushMemoryBench({ connections: 10_000 });
console.log(
  'Memory per idle push connection (target ≤ 10 KB RSS), beside a bare Node floor and Hono streamSSE',
);
console.table(formatPushMemory(pushMemory));

console.log('');
const historyUi = await runHistoryUiBench();
console.log('History in the real UI: 2,000 received messages, Show all on a conversation of 200');
console.table(formatHistoryUi(historyUi));

await mkdir('bench/results', { recursive: true });
await writeFile(
  'bench/results/summary.json',
  JSON.stringify(
    { measuredAt: new Date().toISOString(), keygen, signIn, ring, envelope, delivery, pushMemory, historyUi },
    null,
    2,
  ) + '\n',
);

// One row of the bench's summary table: a Ringpost figure beside the peer a user would pick instead,
// measured in the same run, with the target it is held to. Every part of `npm run bench` returns these;
// run.ts prints them and writes bench/results/latest.json and latest.md.

export interface Spread {
  median: number;
  /** null where one run gives one number (a size, a memory reading). */
  p95: number | null;
  /** Only where the target names it (delivery latency). */
  p99?: number;
}

export type PeerResult = { name: string; value: Spread } | { name: string; skipped: string } | { name: '—' };

export interface Figure {
  /** Which part of the bench measured it: `npm run bench -- <part>` runs it alone. */
  part: string;
  figure: string;
  unit: string;
  ringpost: Spread | { failed: string };
  peer: PeerResult;
  /**
   * How many times better Ringpost is than the peer (>1 is better, whichever way the unit runs), or
   * null with no peer figure.
   */
  ratio: number | null;
  target: string;
  /** null: the target could not be judged in this run (a peer skipped, a figure failed). */
  met: boolean | null;
  /** What the reader should know: sample counts, what was skipped and why. */
  note?: string;
}

/** Nearest-rank quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? Number.NaN;
}

export function spread(values: readonly number[], withP99 = false): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const base = { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
  return withP99 ? { ...base, p99: quantile(sorted, 0.99) } : base;
}

/**
 * Ratio of two medians, oriented so that > 1 means Ringpost does better: for a time, peer / ours; for
 * a rate, ours / peer.
 */
export function betterRatio(ours: number, peer: number, higherIsBetter: boolean): number | null {
  if (!Number.isFinite(ours) || !Number.isFinite(peer) || ours <= 0 || peer <= 0) return null;
  return higherIsBetter ? ours / peer : peer / ours;
}

export function hasValue(result: Figure['ringpost']): result is Spread {
  return 'median' in result;
}

export function peerValue(peer: PeerResult): Spread | null {
  return 'value' in peer ? peer.value : null;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  chromium: string | null;
  postgres: string | null;
  prosody: string | null;
  os: string;
}

function number(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = unit === 'msg/s' || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

function spreadText(value: Spread, unit: string): string {
  const parts = [`${number(value.median, unit)}`];
  if (value.p95 !== null) parts.push(`p95 ${number(value.p95, unit)}`);
  if (value.p99 !== undefined) parts.push(`p99 ${number(value.p99, unit)}`);
  return `${parts.join(' / ')} ${unit}`;
}

export interface TableRow {
  figure: string;
  ringpost: string;
  peer: string;
  ratio: string;
  target: string;
  met: string;
}

export function tableRow(figure: Figure): TableRow {
  const peer =
    'value' in figure.peer
      ? `${figure.peer.name}: ${spreadText(figure.peer.value, figure.unit)}`
      : 'skipped' in figure.peer
        ? `${figure.peer.name}: skipped`
        : '—';
  return {
    figure: figure.figure,
    ringpost: hasValue(figure.ringpost)
      ? spreadText(figure.ringpost, figure.unit)
      : `failed: ${figure.ringpost.failed}`,
    peer,
    ratio: figure.ratio === null ? '—' : `${figure.ratio.toFixed(2)}×`,
    target: figure.target,
    met: figure.met === null ? 'n/a' : figure.met ? 'met' : 'NOT MET',
  };
}

const COLUMNS: (keyof TableRow)[] = ['figure', 'ringpost', 'peer', 'ratio', 'target', 'met'];

/** A plain-text table that stays readable in a CI log (no box drawing, no colour). */
export function textTable(figures: readonly Figure[]): string {
  const rows = figures.map(tableRow);
  const widths = COLUMNS.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(COLUMNS),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(COLUMNS.map((column) => row[column]))),
  ].join('\n');
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

export function markdownReport(figures: readonly Figure[], machine: Machine, measuredAt: string): string {
  const rows = figures.map(tableRow);
  const notes = figures.filter((figure) => figure.note || 'skipped' in figure.peer);
  return [
    '# Ringpost benchmarks',
    '',
    `Measured ${measuredAt} by \`npm run bench\` (generated; see bench/README.md for how to read it).`,
    '',
    `Machine: ${machineLine(machine)}.`,
    '',
    '| figure | Ringpost | peer | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${COLUMNS.map((column) => escapeCell(row[column])).join(' | ')} |`),
    '',
    'Ratios: how many times better Ringpost is than the peer (above 1 is better, for times and for rates).',
    '',
    ...(notes.length > 0 ? ['## Notes', ''] : []),
    ...notes.map((figure) => {
      const skipped = 'skipped' in figure.peer ? ` Peer skipped: ${figure.peer.skipped}.` : '';
      return `- **${figure.figure}**: ${figure.note ?? ''}${skipped}`.trimEnd();
    }),
    '',
  ].join('\n');
}

export function machineLine(machine: Machine): string {
  return [
    `${machine.cpus} × ${machine.cpuModel}`,
    machine.os,
    `Node ${machine.node}`,
    `Chromium ${machine.chromium ?? 'not found'}`,
    `PostgreSQL ${machine.postgres ?? 'not reached'}`,
    `Prosody ${machine.prosody ?? 'not installed'}`,
  ].join(', ');
}

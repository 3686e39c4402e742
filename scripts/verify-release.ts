import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RELEASE_MANIFEST_PATH,
  releaseManifestSchema,
  type ReleaseFile,
  type ReleaseManifest,
} from '../src/shared/protocol/release.ts';

// What `npm run verify` does, apart from reading its arguments: build the checkout, fetch a running
// instance's files and compare them, hash by hash (decision 019).

/** A manifest as a build wrote it: its bytes are compared as well as what it says. */
export interface LocalRelease {
  manifest: ReleaseManifest;
  bytes: Uint8Array;
}

export type Finding =
  { kind: 'match'; path: string } | { kind: 'differs' | 'missing' | 'extra'; path: string; detail: string };

/** The instance could not be asked at all; nothing can be said about what it serves. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * identity is the file as built; browsers get br or gzip, the precompressed copies, which must hold the
 * same bytes, or a browser would run other code than the one this check saw.
 */
const ENCODINGS = ['identity', 'br', 'gzip'] as const;
type Encoding = (typeof ENCODINGS)[number];

/** Per request, body included: the largest file, a source map of a few MB, fits many times over. */
const TIMEOUT_MS = 15_000;

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const short = (hex: string) => `${hex.slice(0, 12)}…`;

const PROJECT_ROOT = join(import.meta.dirname, '..');

export function readLocalRelease(file: string): LocalRelease {
  const bytes = readFileSync(file);
  const text = new TextDecoder().decode(bytes);
  let manifest: ReleaseManifest;
  try {
    manifest = releaseManifestSchema.parse(JSON.parse(text));
  } catch {
    throw new Error(`${file} is not a Ringpost release manifest.`);
  }
  return { manifest, bytes };
}

/**
 * Builds this checkout into `outDir` exactly as `npm run build` builds `dist/`, in a process of its own:
 * NODE_ENV decides between React's production and development builds, so it is pinned to what an
 * unset NODE_ENV gives `vite build`, whatever the caller's environment says (a test runner sets "test").
 */
export async function buildLocalRelease(outDir: string): Promise<LocalRelease> {
  const vite = join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`Building this checkout failed (vite build exited with ${code}).`);
  return readLocalRelease(join(outDir, ...RELEASE_MANIFEST_PATH.split('/')));
}

/** Why a request never got an answer, in words: "connect ECONNREFUSED 127.0.0.1:9". */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // What AbortSignal.timeout() rejects with.
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  // fetch says only "fetch failed"; the cause names the socket's error. Trying IPv4 and IPv6 both
  // fails with an AggregateError that has a code but no message.
  const cause = error.cause;
  if (cause instanceof Error && cause.message) return cause.message;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return error.message;
}

export interface Served {
  status: number;
  /** The body as a browser sees it: decoded from any Content-Encoding. */
  bytes: Uint8Array;
}

/** One GET of `path` on the instance at `origin`, asking for one encoding. */
export async function fetchServed(origin: URL, path: string, encoding: Encoding): Promise<Served> {
  const url = new URL(path, origin);
  try {
    // fetch decodes br and gzip itself, as a browser does.
    const response = await fetch(url, {
      headers: { 'Accept-Encoding': encoding },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()) };
  } catch (error) {
    throw new UnreachableError(`Could not reach ${url.origin}: ${reasonOf(error)}.`);
  }
}

interface Expected {
  /** How the finding names the file. */
  path: string;
  sha256: string;
  /** Every path the file is served at. */
  servedAt: string[];
}

/**
 * index.html is also the page at `/` and at every client route, which the server answers from the copy
 * it read first: `/settings` stands for them all.
 */
const PAGE_PATHS = ['/index.html', '/', '/settings'];

function expectedOf(file: ReleaseFile): Expected {
  const servedAt = file.path === '/index.html' ? PAGE_PATHS : [file.path];
  return { path: file.path, sha256: file.sha256, servedAt };
}

/** " (at / as br)": which request of a file's several gave the answer, when it was not the plain one. */
function placeOf(expected: Expected, path: string, encoding: Encoding): string {
  const parts = [path === expected.path ? '' : `at ${path}`, encoding === 'identity' ? '' : `as ${encoding}`];
  const place = parts.filter(Boolean).join(' ');
  return place ? ` (${place})` : '';
}

/** What is wrong with one answer, or undefined when it holds the built bytes. */
function problemOf(expected: Expected, served: Served, place: string): Finding | undefined {
  const { path } = expected;
  if (served.status === 404) return { kind: 'missing', path, detail: `the server answers 404${place}` };
  if (served.status !== 200)
    return { kind: 'differs', path, detail: `the server answers ${served.status}${place}` };
  const sha256 = sha256Hex(served.bytes);
  if (sha256 === expected.sha256) return undefined;
  return {
    kind: 'differs',
    path,
    detail: `served SHA-256 ${short(sha256)}, built ${short(expected.sha256)}${place}`,
  };
}

/** Fetches a file at each of its paths in each encoding; the first answer that is not the build's decides. */
async function checkFile(origin: URL, expected: Expected): Promise<Finding> {
  for (const path of expected.servedAt) {
    for (const encoding of ENCODINGS) {
      const served = await fetchServed(origin, path, encoding);
      const problem = problemOf(expected, served, placeOf(expected, path, encoding));
      if (problem) return problem;
    }
  }
  return { kind: 'match', path: expected.path };
}

/** Says how the server's manifest differs from the local one, and lists what only it names. */
function compareManifests(local: LocalRelease, servedBytes: Uint8Array): Finding[] {
  const parsed = releaseManifestSchema.safeParse(parseJson(servedBytes));
  if (!parsed.success) {
    return [
      {
        kind: 'differs',
        path: RELEASE_MANIFEST_PATH,
        detail: 'the server’s is not a Ringpost release manifest',
      },
    ];
  }
  const served = parsed.data;
  const built = new Set(local.manifest.files.map((file) => file.path));
  const detail =
    served.version === local.manifest.version
      ? 'the server’s lists other files or hashes'
      : `the server’s is version ${served.version}, this checkout’s ${local.manifest.version}`;
  return [
    { kind: 'differs', path: RELEASE_MANIFEST_PATH, detail },
    ...served.files
      .filter((file) => !built.has(file.path))
      .map((file): Finding => ({
        kind: 'extra',
        path: file.path,
        detail: 'listed by the server, not built here',
      })),
  ];
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** The manifest must be the local one byte for byte; when it is not, say how, and what only it lists. */
async function checkManifest(origin: URL, local: LocalRelease): Promise<Finding[]> {
  const expected = {
    path: RELEASE_MANIFEST_PATH,
    sha256: sha256Hex(local.bytes),
    servedAt: [RELEASE_MANIFEST_PATH],
  };
  const served = await fetchServed(origin, RELEASE_MANIFEST_PATH, 'identity');
  if (served.status === 200 && sha256Hex(served.bytes) !== expected.sha256) {
    return compareManifests(local, served.bytes);
  }
  return [await checkFile(origin, expected)];
}

/**
 * Compares the instance at `origin` with a local build: the manifest, byte for byte, then every file
 * the local manifest lists, at each path and in each encoding a browser may get it in. Findings come
 * in the manifest's order, the manifest's own first. Throws UnreachableError when the instance does not
 * answer.
 */
export async function verifyRelease(origin: URL, local: LocalRelease): Promise<Finding[]> {
  const manifest = await checkManifest(origin, local);
  const files = await Promise.all(local.manifest.files.map((file) => checkFile(origin, expectedOf(file))));
  return [...manifest, ...files];
}

export interface Verdict {
  lines: string[];
  ok: boolean;
}

/**
 * One line per file that is not as built, then the counts, then the verdict in a sentence. `against`
 * names the local side: what this checkout builds, or the manifest file given instead.
 */
export function verdictOf(
  origin: URL,
  local: LocalRelease,
  findings: Finding[],
  against = 'what this checkout builds',
): Verdict {
  const count = (kind: Finding['kind']) => findings.filter((finding) => finding.kind === kind).length;
  const problems = findings.flatMap((finding) =>
    finding.kind === 'match' ? [] : [`${finding.kind.padEnd(8)} ${finding.path}: ${finding.detail}`],
  );
  const extra = [
    count('missing') ? `, ${count('missing')} missing` : '',
    count('extra') ? `, ${count('extra')} extra` : '',
  ].join('');
  const summary = `${count('match')} files match, ${count('differs')} differ${extra}.`;
  const ok = problems.length === 0;
  const release = `ringpost ${local.manifest.version}`;
  const sentence = ok
    ? `${origin.origin} serves exactly ${against} (${release}).`
    : `${origin.origin} does not serve ${against} (${release}).`;
  return { lines: [...problems, summary, sentence], ok };
}

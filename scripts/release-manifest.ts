import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import { z } from 'zod';
import {
  RELEASE_MANIFEST_PATH,
  releaseManifestSchema,
  type ReleaseManifest,
} from '../src/shared/protocol/release.ts';

// A build anyone can check (decision 019): index.html names each script and stylesheet it loads with
// its SHA-384 (Subresource Integrity), and a manifest at a fixed path lists every file the server serves
// with its SHA-256, so `npm run verify` can compare a running instance with what a checkout builds.

/** The encodings precompress writes (and serveStatic also looks for .zst): copies of a listed file. */
const ENCODED_SUFFIXES = ['.br', '.gz', '.zst'];

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export const subresourceIntegrity = (bytes: Uint8Array) =>
  `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/** The URL path serveStatic answers for a file under `dir`; it decodes the request path before looking. */
function servedPathOf(dir: string, file: string): string {
  return `/${relative(dir, file).split(sep).map(encodeURIComponent).join('/')}`;
}

/** The file under `dir` that serveStatic sends for a served path. */
function fileAt(dir: string, servedPath: string): string {
  return join(dir, ...decodeURIComponent(servedPath).split('/'));
}

/**
 * Every path the server answers from `dir` with a file of its own, sorted. Left out: the manifest,
 * which cannot hold its own hash, and .br/.gz copies of a listed file, which carry the same content
 * under a Content-Encoding (verify checks them through the encodings a browser asks for).
 */
export function servedPaths(dir: string): string[] {
  const all = new Set([...filesUnder(dir)].map((file) => servedPathOf(dir, file)));
  const isEncodedCopy = (path: string) =>
    ENCODED_SUFFIXES.some((suffix) => path.endsWith(suffix) && all.has(path.slice(0, -suffix.length)));
  return [...all].filter((path) => path !== RELEASE_MANIFEST_PATH && !isEncodedCopy(path)).sort(byCodeUnits);
}

export function releaseManifestOf(dir: string, version: string): ReleaseManifest {
  const files = servedPaths(dir).map((path) => {
    const bytes = readFileSync(fileAt(dir, path));
    return { path, sha256: sha256Hex(bytes), size: bytes.length };
  });
  return releaseManifestSchema.parse({ format: 1, app: 'ringpost', version, files });
}

/** The manifest's bytes: one build always writes the same ones. */
export const serializeReleaseManifest = (manifest: ReleaseManifest) =>
  `${JSON.stringify(manifest, null, 2)}\n`;

interface Attribute {
  name: string;
  value: string | undefined;
  /** Where the attribute, with the whitespace before it, stands in the tag's attribute text. */
  start: number;
  end: number;
}

// index.html is Vite's output from our own template: plain start tags with quoted attributes, no
// comments or templates hiding tags, so matching start tags is enough and needs no HTML parser.
const START_TAG = /<(script|link)\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\s*\/?)>/gi;
const ATTRIBUTE = /\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function attributesOf(text: string): Attribute[] {
  return [...text.matchAll(ATTRIBUTE)].map((match) => ({
    name: (match[1] ?? '').toLowerCase(),
    value: match[2] ?? match[3] ?? match[4],
    start: match.index,
    end: match.index + match[0].length,
  }));
}

/** The attribute text without the named attribute, everything else left exactly as written. */
function without(text: string, attributes: Attribute[], name: string): string {
  let kept = '';
  let from = 0;
  for (const attribute of attributes.filter((candidate) => candidate.name === name)) {
    kept += text.slice(from, attribute.start);
    from = attribute.end;
  }
  return kept + text.slice(from);
}

/** The URL a tag makes the browser fetch and check, if integrity applies to it. */
function checkedUrlOf(tagName: string, attributes: Attribute[]): string | undefined {
  const value = (name: string) => attributes.find((attribute) => attribute.name === name)?.value;
  if (tagName === 'script') return value('src');
  const rel = (value('rel') ?? '').toLowerCase().split(/\s+/);
  return rel.includes('stylesheet') || rel.includes('modulepreload') ? value('href') : undefined;
}

const PAGE_ORIGIN = 'https://ringpost.invalid';

/** The served path a URL written in index.html points to; SRI can only vouch for files the build wrote. */
function servedPathOfUrl(url: string): string {
  const resolved = new URL(url, `${PAGE_ORIGIN}/`);
  if (resolved.origin !== PAGE_ORIGIN) {
    throw new Error(`index.html loads ${url} from another origin, which the build cannot vouch for.`);
  }
  return resolved.pathname;
}

/**
 * Adds `integrity` to every `<script src>`, `<link rel="stylesheet">` and `<link rel="modulepreload">`,
 * replacing any already there, so running it twice changes nothing. `bytesOf` gives the exact bytes
 * served, uncompressed, for a served path.
 *
 * No `crossorigin` is added: SRI needs a CORS-readable response only across origins, and every file here
 * is same-origin. Vite's own `crossorigin` stays as it wrote it; for module scripts and modulepreload it
 * means the same credentials mode as none, and it matches the links Vite's preload helper adds later.
 */
export function withIntegrity(html: string, bytesOf: (servedPath: string) => Uint8Array): string {
  return html.replace(START_TAG, (tag, tagName: string, attributeText: string, end: string) => {
    const attributes = attributesOf(attributeText);
    const url = checkedUrlOf(tagName.toLowerCase(), attributes);
    if (url === undefined) return tag;
    const integrity = subresourceIntegrity(bytesOf(servedPathOfUrl(url)));
    return `<${tagName}${without(attributeText, attributes, 'integrity')} integrity="${integrity}"${end}>`;
  });
}

function servedBytes(dir: string, servedPath: string): Uint8Array {
  const file = fileAt(dir, servedPath);
  if (!existsSync(file)) throw new Error(`index.html loads ${servedPath}, which the build did not write.`);
  return readFileSync(file);
}

/**
 * Finishes a build in `dir`: integrity into index.html first (the manifest then hashes the page as
 * served), then the manifest. Returns what it wrote.
 */
export function writeRelease(dir: string, version: string): ReleaseManifest {
  const page = join(dir, 'index.html');
  writeFileSync(
    page,
    withIntegrity(readFileSync(page, 'utf8'), (path) => servedBytes(dir, path)),
  );
  const manifest = releaseManifestOf(dir, version);
  const manifestFile = fileAt(dir, RELEASE_MANIFEST_PATH);
  mkdirSync(dirname(manifestFile), { recursive: true });
  writeFileSync(manifestFile, serializeReleaseManifest(manifest));
  return manifest;
}

/**
 * A source map's source named by its path in the checkout (`/src/client/main.tsx`), not relative to
 * the map: that depends on where the build was written, so the same checkout built into another folder
 * would give other map bytes. Browsers resolve it to the same place `../../src/…` from `/assets/` did.
 * A source outside the checkout keeps its relative name rather than reveal the builder's file system.
 */
export function checkoutPathOfSource(root: string, source: string, sourcemapPath: string): string {
  const fromRoot = relative(root, resolve(dirname(sourcemapPath), source));
  if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot)) return source;
  return `/${fromRoot.split(sep).join('/')}`;
}

const packageJsonSchema = z.object({ version: z.string().min(1) });

function packageVersion(root: string): string {
  return packageJsonSchema.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).version;
}

/**
 * Vite plugin: SRI and the release manifest once the build is on disk. It runs in writeBundle, which
 * ends before any plugin's closeBundle, so precompress (closeBundle) compresses the page with its
 * integrity attributes and the manifest; and it reads the files back from disk, the bytes served.
 */
export function releaseManifest(): Plugin {
  let root = process.cwd();
  let outDir = resolve(root, 'dist');
  const sourcemapPathTransform = (source: string, sourcemapPath: string) =>
    checkoutPathOfSource(root, source, sourcemapPath);
  return {
    name: 'ringpost-release-manifest',
    apply: 'build',
    // The worker is bundled apart from the app (and its maps are placed as if under ./dist), so both
    // bundles need the transform.
    config: () => ({
      build: { rolldownOptions: { output: { sourcemapPathTransform } } },
      worker: { rolldownOptions: { output: { sourcemapPathTransform } } },
    }),
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    writeBundle() {
      writeRelease(outDir, packageVersion(root));
    },
  };
}

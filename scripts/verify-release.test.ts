import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/server/config.ts';
import { memoryLogger } from '../src/server/log.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { freePort } from '../src/server/testing/free-port.ts';
import { RELEASE_MANIFEST_PATH, type ReleaseManifest } from '../src/shared/protocol/release.ts';
import { precompressDir } from './precompress.ts';
import { serializeReleaseManifest, writeRelease } from './release-manifest.ts';
import {
  buildLocalRelease,
  readLocalRelease,
  UnreachableError,
  verdictOf,
  verifyRelease,
  type Finding,
  type LocalRelease,
} from './verify-release.ts';

// The real server on a real socket, serving a static folder, checked by the verify logic: first a small
// hand-made build (fast, one case per way a server can differ), then one real `vite build`.

const run = promisify(execFile);
const PROJECT_ROOT = join(import.meta.dirname, '..');

const FILES: Record<string, string> = {
  'index.html':
    '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-a1.js"></script>' +
    '<link rel="stylesheet" crossorigin href="/assets/index-c3.css"></head><body><div id="root"></div></body></html>',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  // Large enough for precompress to write .br and .gz beside it.
  'assets/index-a1.js': `console.log(${JSON.stringify('x'.repeat(3_000))});`,
  'assets/index-a1.js.map': '{"version":3,"sources":["/src/client/main.tsx"],"mappings":""}',
  'assets/index-c3.css': 'body{margin:0}',
  'assets/crypto.worker-d4.js': 'self.onmessage = () => {};',
};

function writeFiles(dir: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

interface Instance {
  origin: URL;
  server: RunningServer;
  dataDir: string;
}

async function serve(staticDir: string): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringpost-verify-data-'));
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    staticDir,
    log: false,
    decoyPoolSize: 0,
  });
  const server = await startServer(config, { log: memoryLogger().log });
  return { origin: new URL(`http://127.0.0.1:${server.port}`), server, dataDir };
}

async function stop(instance: Instance) {
  await instance.server.shutdown();
  rmSync(instance.dataDir, { recursive: true, force: true });
}

const problems = (findings: Finding[]) => findings.filter((finding) => finding.kind !== 'match');

/** The local side with its manifest changed, re-serialized as a build would have written it. */
function edited(local: LocalRelease, change: (manifest: ReleaseManifest) => ReleaseManifest): LocalRelease {
  const manifest = change(local.manifest);
  return { manifest, bytes: new TextEncoder().encode(serializeReleaseManifest(manifest)) };
}

describe('verifying a running instance', () => {
  let staticDir: string;
  let instance: Instance;
  let local: LocalRelease;

  /** A fresh build for each case, so a file one case tampers with is whole again for the next. */
  const build = () => {
    rmSync(staticDir, { recursive: true, force: true });
    writeFiles(staticDir, FILES);
    writeRelease(staticDir, '1.2.3');
    precompressDir(staticDir);
    local = readLocalRelease(join(staticDir, RELEASE_MANIFEST_PATH));
  };

  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'ringpost-verify-static-'));
    // Before the server starts: it serves the SPA only from a folder that holds an index.html.
    build();
    instance = await serve(staticDir);
  });
  afterAll(async () => {
    await stop(instance);
    rmSync(staticDir, { recursive: true, force: true });
  });
  beforeEach(build);

  it('passes when the server serves the build: every file, the page at /, and the manifest', async () => {
    const findings = await verifyRelease(instance.origin, local);
    expect(problems(findings)).toEqual([]);
    expect(findings.map((finding) => finding.path)).toEqual([
      RELEASE_MANIFEST_PATH,
      ...local.manifest.files.map((file) => file.path),
    ]);
    const verdict = verdictOf(instance.origin, local, findings);
    expect(verdict).toEqual({
      ok: true,
      lines: [
        '7 files match, 0 differ.',
        `${instance.origin.origin} serves exactly what this checkout builds (ringpost 1.2.3).`,
      ],
    });
  });

  it('finds the manifest at its fixed path, asked for again each time; a missing .well-known file is a 404', async () => {
    const manifest = await fetch(new URL(RELEASE_MANIFEST_PATH, instance.origin));
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('Cache-Control')).toBe('no-cache');
    expect(manifest.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(Buffer.from(await manifest.arrayBuffer())).toEqual(Buffer.from(local.bytes));
    const missing = await fetch(new URL('/.well-known/nothing.json', instance.origin));
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<div id="root">');
  });

  it('reports one changed byte in a served file, and only that file', async () => {
    const file = join(staticDir, 'assets', 'crypto.worker-d4.js');
    const bytes = readFileSync(file);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    const findings = await verifyRelease(instance.origin, local);
    expect(problems(findings)).toEqual([
      {
        kind: 'differs',
        path: '/assets/crypto.worker-d4.js',
        detail: expect.stringMatching(/^served SHA-256 /) as string,
      },
    ]);
    const verdict = verdictOf(instance.origin, local, findings);
    expect(verdict.ok).toBe(false);
    expect(verdict.lines[0]).toMatch(
      /^differs {2}\/assets\/crypto\.worker-d4\.js: served SHA-256 [0-9a-f]{12}…/,
    );
    expect(verdict.lines.slice(1)).toEqual([
      '6 files match, 1 differ.',
      `${instance.origin.origin} does not serve what this checkout builds (ringpost 1.2.3).`,
    ]);
  });

  it('reports a precompressed copy that holds other code than the file', async () => {
    writeFileSync(join(staticDir, 'assets', 'index-a1.js.br'), brotliCompressSync('alert(1)'));
    expect(problems(await verifyRelease(instance.origin, local))).toEqual([
      { kind: 'differs', path: '/assets/index-a1.js', detail: expect.stringMatching(/\(as br\)$/) as string },
    ]);
  });

  it('reports files the server lacks as missing, and files only its manifest lists as extra', async () => {
    const mine = edited(local, (manifest) => ({
      ...manifest,
      files: [
        { path: '/assets/gone-0.js', sha256: '0'.repeat(64), size: 1 },
        ...manifest.files.filter((file) => file.path !== '/favicon.svg'),
      ],
    }));
    const verdict = verdictOf(instance.origin, mine, await verifyRelease(instance.origin, mine));
    expect(verdict.ok).toBe(false);
    expect(verdict.lines).toEqual([
      `differs  ${RELEASE_MANIFEST_PATH}: the server’s lists other files or hashes`,
      'extra    /favicon.svg: listed by the server, not built here',
      'missing  /assets/gone-0.js: the server answers 404',
      '5 files match, 1 differ, 1 missing, 1 extra.',
      `${instance.origin.origin} does not serve what this checkout builds (ringpost 1.2.3).`,
    ]);
  });

  it('names both versions when the releases differ', async () => {
    const newer = edited(local, (manifest) => ({ ...manifest, version: '1.3.0' }));
    expect(problems(await verifyRelease(instance.origin, newer))).toEqual([
      {
        kind: 'differs',
        path: RELEASE_MANIFEST_PATH,
        detail: 'the server’s is version 1.2.3, this checkout’s 1.3.0',
      },
    ]);
  });

  it('says so when the server’s manifest is not one', async () => {
    writeFileSync(join(staticDir, RELEASE_MANIFEST_PATH), '{"files": "all of them"}');
    rmSync(join(staticDir, `${RELEASE_MANIFEST_PATH}.br`), { force: true });
    expect(problems(await verifyRelease(instance.origin, local))).toEqual([
      {
        kind: 'differs',
        path: RELEASE_MANIFEST_PATH,
        detail: 'the server’s is not a Ringpost release manifest',
      },
    ]);
  });

  it('says so when the server has no manifest at all', async () => {
    rmSync(join(staticDir, '.well-known'), { recursive: true, force: true });
    expect(problems(await verifyRelease(instance.origin, local))).toEqual([
      { kind: 'missing', path: RELEASE_MANIFEST_PATH, detail: 'the server answers 404' },
    ]);
  });

  it('throws a one-line reason when nothing answers', async () => {
    const closed = new URL(`http://127.0.0.1:${await freePort()}`);
    const attempt = verifyRelease(closed, local);
    await expect(attempt).rejects.toThrow(UnreachableError);
    await expect(attempt).rejects.toThrow(/^Could not reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\.$/);
  });

  describe('npm run verify', () => {
    const verify = async (...args: string[]) => {
      const tsx = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      try {
        const { stdout, stderr } = await run(process.execPath, [tsx, 'scripts/verify.ts', ...args], {
          cwd: PROJECT_ROOT,
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
    let manifestDir: string;
    let manifestFile: string;
    beforeAll(() => {
      manifestDir = mkdtempSync(join(tmpdir(), 'ringpost-verify-manifest-'));
      manifestFile = join(manifestDir, 'ringpost-release.json');
    });
    beforeEach(() => writeFileSync(manifestFile, local.bytes));
    afterAll(() => rmSync(manifestDir, { recursive: true, force: true }));

    it('exits 0 when everything matches and 1 when a file differs', async () => {
      const good = await verify(instance.origin.href, '--manifest', manifestFile);
      expect(good).toMatchObject({ code: 0, stderr: '' });
      expect(good.stdout).toBe(
        `7 files match, 0 differ.\n${instance.origin.origin} serves exactly what ${manifestFile} lists (ringpost 1.2.3).\n`,
      );
      writeFileSync(join(staticDir, 'favicon.svg'), '<svg/>');
      const bad = await verify(instance.origin.href, '--manifest', manifestFile);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^differs {2}\/favicon\.svg: served SHA-256 /);
    });

    it('exits 2 with one line for a bad address, no answer, or a bad option', async () => {
      const notUrl = await verify('ringpost.example', '--manifest', manifestFile);
      expect(notUrl).toEqual({
        code: 2,
        stdout: '',
        stderr: 'ringpost.example is not a URL; give one such as https://ringpost.example.\n',
      });
      const ftp = await verify('ftp://127.0.0.1/', '--manifest', manifestFile);
      expect(ftp).toMatchObject({
        code: 2,
        stderr: 'ftp://127.0.0.1/ is not an http:// or https:// address.\n',
      });
      const closed = await verify(`http://127.0.0.1:${await freePort()}`);
      expect(closed.code).toBe(2);
      expect(closed.stderr).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED[^\n]*\.\n$/);
      const unknown = await verify(instance.origin.href, '--manfest', manifestFile);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /^Unknown option '--manfest'[\s\S]*Usage: npm run verify -- <url> \[--manifest <file>\]\n$/,
      );
    });
  });
});

describe('verifying against a real build', () => {
  let workDir: string;
  let appDir: string;
  let instance: Instance;
  let local: LocalRelease;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'ringpost-verify-build-'));
    appDir = join(workDir, 'app');
    local = await buildLocalRelease(appDir);
    instance = await serve(appDir);
  }, 180_000);
  afterAll(async () => {
    if (instance) await stop(instance);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('builds a page whose every script and stylesheet carries its integrity, and a manifest of it all', () => {
    const page = readFileSync(join(appDir, 'index.html'), 'utf8');
    const tags =
      page.match(/<script\b[^>]*\ssrc=[^>]*>|<link\b[^>]*rel="(?:stylesheet|modulepreload)"[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(1);
    for (const tag of tags) expect(tag).toMatch(/ integrity="sha384-[A-Za-z0-9+/]{64}"/);
    const paths = local.manifest.files.map((file) => file.path);
    expect(paths).toContain('/index.html');
    expect(paths.some((path) => /^\/assets\/crypto\.worker-[\w-]+\.js$/.test(path))).toBe(true);
    expect(paths.some((path) => path.endsWith('.js.map'))).toBe(true);
    expect(paths.some((path) => /\.(?:br|gz)$/.test(path))).toBe(false);
  });

  it('passes against a server on that build, and reports the one file whose byte was changed', async () => {
    const findings = await verifyRelease(instance.origin, local);
    expect(problems(findings)).toEqual([]);
    expect(findings.length).toBe(local.manifest.files.length + 1);

    const worker = local.manifest.files.find((file) => file.path.includes('crypto.worker-'));
    if (!worker) throw new Error('The build wrote no crypto worker.');
    const file = join(appDir, ...worker.path.split('/'));
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    const after = problems(await verifyRelease(instance.origin, local));
    expect(after).toEqual([
      { kind: 'differs', path: worker.path, detail: expect.stringMatching(/^served SHA-256 /) as string },
    ]);
  });
});

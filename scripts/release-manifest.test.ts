import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RELEASE_MANIFEST_PATH, releaseManifestSchema } from '../src/shared/protocol/release.ts';
import { precompressDir } from './precompress.ts';
import { checkoutPathOfSource, withIntegrity, writeRelease } from './release-manifest.ts';

// A small build output on disk, shaped like Vite's: the page, an entry, a preloaded chunk, a stylesheet,
// a worker no page names, a source map and a public file. Hashes are computed here with node:crypto.

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <script type="module" crossorigin src="/assets/index-a1.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/chunk-b2.js">
    <link rel="stylesheet" crossorigin href="/assets/index-c3.css">
  </head>
  <body><div id="root"></div></body>
</html>
`;

const FILES: Record<string, string> = {
  'index.html': PAGE,
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'assets/index-a1.js': `import './chunk-b2.js';console.log(${JSON.stringify('x'.repeat(3_000))});`,
  'assets/index-a1.js.map': '{"version":3,"sources":["/src/client/main.tsx"],"mappings":""}',
  'assets/chunk-b2.js': 'export const b = 2;',
  'assets/index-c3.css': 'body{margin:0}',
  'assets/crypto.worker-d4.js': 'self.onmessage = () => {};',
};

const sha384 = (text: string | Buffer) => `sha384-${createHash('sha384').update(text).digest('base64')}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ringpost-release-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string) => readFileSync(join(dir, path));

describe('Subresource Integrity in index.html', () => {
  it('names every script, module preload and stylesheet with the SHA-384 of its bytes', () => {
    writeRelease(dir, '1.2.3');
    const page = read('index.html').toString();
    for (const file of ['assets/index-a1.js', 'assets/chunk-b2.js', 'assets/index-c3.css']) {
      const tag = page.split('\n').find((line) => line.includes(`/${file}"`)) ?? '';
      expect(tag, file).toContain(` integrity="${sha384(FILES[file] ?? '')}"`);
    }
    expect(page).toContain(
      `<script type="module" crossorigin src="/assets/index-a1.js" integrity="${sha384(FILES['assets/index-a1.js'] ?? '')}"></script>`,
    );
  });

  it('leaves other tags, and the attributes it does not own, exactly as written', () => {
    writeRelease(dir, '1.2.3');
    const page = read('index.html').toString();
    expect(page).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
    expect(page.replace(/ integrity="[^"]*"/g, '')).toBe(PAGE);
  });

  it('replaces an integrity already there, so a second run changes nothing', () => {
    writeRelease(dir, '1.2.3');
    const once = read('index.html');
    const manifestOnce = read(RELEASE_MANIFEST_PATH);
    writeRelease(dir, '1.2.3');
    expect(read('index.html')).toEqual(once);
    expect(read(RELEASE_MANIFEST_PATH)).toEqual(manifestOnce);
    expect(once.toString().match(/integrity=/g)).toHaveLength(3);
  });

  it('handles self-closing and single-quoted tags and several rel values', () => {
    const bytes = new TextEncoder().encode('a{}');
    const html = `<link rel='preload stylesheet' href='/a.css'/><script src="/a.js" integrity="sha384-stale"></script>`;
    const out = withIntegrity(html, () => bytes);
    expect(out).toBe(
      `<link rel='preload stylesheet' href='/a.css' integrity="${sha384(Buffer.from(bytes))}"/>` +
        `<script src="/a.js" integrity="${sha384(Buffer.from(bytes))}"></script>`,
    );
  });

  it('refuses a file the build did not write, or one from another origin', () => {
    writeFileSync(join(dir, 'index.html'), '<script type="module" src="/assets/gone-0.js"></script>');
    expect(() => writeRelease(dir, '1.2.3')).toThrow(
      'index.html loads /assets/gone-0.js, which the build did not write.',
    );
    writeFileSync(join(dir, 'index.html'), '<script src="https://cdn.example/x.js"></script>');
    expect(() => writeRelease(dir, '1.2.3')).toThrow(
      'index.html loads https://cdn.example/x.js from another origin, which the build cannot vouch for.',
    );
  });
});

describe('the release manifest', () => {
  it('lists every served file by path, sorted, with its SHA-256 and size, the page as rewritten', () => {
    const written = writeRelease(dir, '1.2.3');
    precompressDir(dir);
    const manifest = releaseManifestSchema.parse(JSON.parse(read(RELEASE_MANIFEST_PATH).toString()));
    expect(manifest).toEqual(written);
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.files.map((file) => file.path)).toEqual([
      '/assets/chunk-b2.js',
      '/assets/crypto.worker-d4.js',
      '/assets/index-a1.js',
      '/assets/index-a1.js.map',
      '/assets/index-c3.css',
      '/favicon.svg',
      '/index.html',
    ]);
    for (const file of manifest.files) {
      const bytes = read(file.path.slice(1));
      expect(file, file.path).toEqual({ path: file.path, sha256: sha256(bytes), size: bytes.length });
    }
  });

  it('leaves out the precompressed copies and itself, but keeps a file that only looks like one', () => {
    writeRelease(dir, '1.2.3');
    precompressDir(dir);
    writeFileSync(join(dir, 'assets', 'backup.gz'), 'not a copy of anything');
    const manifest = writeRelease(dir, '1.2.3');
    expect(read('assets/index-a1.js.br').length).toBeGreaterThan(0);
    const paths = manifest.files.map((file) => file.path);
    expect(paths.filter((path) => /\.(?:br|gz)$/.test(path))).toEqual(['/assets/backup.gz']);
    expect(paths).not.toContain(RELEASE_MANIFEST_PATH);
  });

  it('is written as the same bytes by the same build', () => {
    writeRelease(dir, '1.2.3');
    const text = read(RELEASE_MANIFEST_PATH).toString();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    const copy = mkdtempSync(join(tmpdir(), 'ringpost-release-copy-'));
    try {
      for (const [path, content] of Object.entries(FILES)) {
        mkdirSync(join(copy, path, '..'), { recursive: true });
        writeFileSync(join(copy, path), content);
      }
      writeRelease(copy, '1.2.3');
      expect(readFileSync(join(copy, RELEASE_MANIFEST_PATH)).toString()).toBe(text);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('source-map sources', () => {
  it('are named by their path in the checkout, wherever the build was written', () => {
    const root = '/work/ringpost';
    expect(
      checkoutPathOfSource(root, '../../src/client/main.tsx', '/work/ringpost/dist/assets/index.js.map'),
    ).toBe('/src/client/main.tsx');
    expect(
      checkoutPathOfSource(
        root,
        '../../../ringpost/src/client/main.tsx',
        '/work/out-x/app/assets/index.js.map',
      ),
    ).toBe('/src/client/main.tsx');
    expect(
      checkoutPathOfSource(
        root,
        '../../node_modules/react/index.js',
        '/work/ringpost/dist/assets/index.js.map',
      ),
    ).toBe('/node_modules/react/index.js');
  });

  it('keep a relative name when they lie outside the checkout', () => {
    expect(
      checkoutPathOfSource('/work/ringpost', '../../../elsewhere/x.ts', '/work/ringpost/dist/assets/a.map'),
    ).toBe('../../../elsewhere/x.ts');
  });
});

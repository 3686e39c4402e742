import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints small samples as if they sat at real places in the tree, so the zones in eslint.config.js apply
// exactly as they do to real files. Every case names the rule and the zone's own message: removing a zone
// from the config, or letting a rule stop resolving imports, fails a case here.

const root = fileURLToPath(new URL('..', import.meta.url));
const featuresDir = join(root, 'src/client/features');

// Only the structural rules run; the samples are not in any tsconfig, so typed linting is switched off.
const structuralRules = new Set([
  'import-x/no-restricted-paths',
  'import-x/no-cycle',
  '@typescript-eslint/no-restricted-imports',
  'no-restricted-imports',
  'no-restricted-syntax',
]);
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => structuralRules.has(ruleId),
});

/** What lint says about `code` placed at `file` (relative to the project root). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  if (!result) throw new Error(`ESLint returned nothing for ${file}`);
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

/** An import specifier from `fromFile` to `toFile` as a person would write it: relative, no extension. */
function specifier(fromFile: string, toFile: string): string {
  const path = relative(dirname(join(root, fromFile)), join(root, toFile)).replace(/\.tsx?$/, '');
  return path.startsWith('.') ? path : `./${path}`;
}

function findSourceFile(folder: string): string | undefined {
  const file = readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .sort()
    .find((name) => /\.tsx?$/.test(name) && !name.endsWith('.test.ts'));
  return file === undefined ? undefined : join(folder, file);
}

/** Some source file inside `folder` (relative to the root), to import in a sample. */
function someSourceFile(folder: string): string {
  const file = findSourceFile(folder);
  if (!file) throw new Error(`${folder} has no source file to import`);
  return file;
}

const features = readdirSync(featuresDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const zone = {
  features:
    'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. Features do not import each other',
  app: 'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. Features do not import the app',
  workerBundle:
    'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. The worker imports nothing from the main bundle.',
  workerServer:
    'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. The worker runs in the browser.',
  shared:
    'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. src/shared is imported by client and server and imports neither.',
  server:
    'import-x/no-restricted-paths: Unexpected path "%s" imported in restricted zone. The server never imports client code.',
};
const expectZone = (messages: string[], message: string, importPath: string) =>
  expect(messages, importPath).toEqual([expect.stringContaining(message.replace('%s', importPath))]);

describe('lint keeps the layout STYLE.md describes', () => {
  it('keeps every feature out of every other, by any relative path', async () => {
    expect(features.length).toBeGreaterThanOrEqual(2);
    for (const from of features) {
      const sample = `src/client/features/${from}/components/lint-sample.ts`;
      for (const to of features) {
        // A feature folder just made and still empty has nothing to import yet.
        const target = findSourceFile(`src/client/features/${to}`);
        if (!target) continue;
        const path = specifier(sample, target);
        const messages = await problems(sample, `import * as other from '${path}';\nexport { other };\n`);
        if (from === to) {
          expect(messages, `${from} importing itself`).toEqual([]);
        } else {
          // "../../ring/components/people-page": the path never says "features", and is still caught.
          expect(path).not.toContain('features');
          expectZone(messages, zone.features, path);
        }
      }
    }
  });

  it('keeps features from importing the app', async () => {
    for (const name of features) {
      const sample = `src/client/features/${name}/lint-sample.ts`;
      const path = specifier(sample, someSourceFile('src/client/app'));
      expectZone(await problems(sample, `export * from '${path}';\n`), zone.app, path);
    }
  });

  it('lets the app wire features together, and features use lib/ and components/ui/', async () => {
    const app = 'src/client/app/lint-sample.ts';
    const feature = `src/client/features/${features[0]}/lint-sample.ts`;
    const imports = [
      [app, someSourceFile(`src/client/features/${features[0]}`)],
      [feature, someSourceFile('src/client/lib')],
      [feature, someSourceFile('src/client/components/ui')],
    ] as const;
    for (const [from, to] of imports) {
      expect(await problems(from, `export * from '${specifier(from, to)}';\n`), `${from} → ${to}`).toEqual(
        [],
      );
    }
  });

  it('finds an import cycle between two files', async () => {
    // app.ts imports routes/meta.ts (STYLE.md: app.ts chains every route file); meta.ts importing app.ts back
    // closes a two-file cycle.
    const app = readFileSync(join(root, 'src/server/app.ts'), 'utf8');
    expect(app, 'the cycle below needs app.ts to import routes/meta').toMatch(
      /^import \{ metaRoutes \} from '\.\/routes\/meta';$/m,
    );
    const meta = 'src/server/routes/meta.ts';
    const real = readFileSync(join(root, meta), 'utf8');
    expect(await problems(meta, real)).toEqual([]);
    expect(
      await problems(meta, `import { createApp } from '../app';\nexport const again = createApp;\n${real}`),
    ).toEqual(['import-x/no-cycle: Dependency cycle detected']);
  });

  it('keeps the worker out of the main bundle and the server', async () => {
    const sample = 'src/client/workers/lint-sample.ts';
    for (const folder of [
      'src/client/app',
      `src/client/features/${features[0]}`,
      'src/client/lib',
      'src/client/components',
    ]) {
      const path = specifier(sample, someSourceFile(folder));
      expectZone(await problems(sample, `export * from '${path}';\n`), zone.workerBundle, path);
    }
    // Not even types: the worker's bundle is built apart from the app's.
    const server = specifier(sample, 'src/server/app.ts');
    expectZone(
      await problems(sample, `export type { AppType } from '${server}';\n`),
      zone.workerServer,
      server,
    );
    // What the worker does need, its message protocol and shared crypto, stays allowed.
    const allowed = [
      specifier(sample, 'src/client/crypto/worker-protocol.ts'),
      specifier(sample, someSourceFile('src/shared/crypto')),
    ];
    for (const path of allowed)
      expect(await problems(sample, `export * from '${path}';\n`), path).toEqual([]);
  });

  it('keeps shared code free of client and server', async () => {
    const sample = 'src/shared/crypto/lint-sample.ts';
    for (const folder of ['src/server', 'src/client/lib']) {
      const path = specifier(sample, someSourceFile(folder));
      expectZone(await problems(sample, `export * from '${path}';\n`), zone.shared, path);
    }
    const server = specifier(sample, 'src/server/config.ts');
    expectZone(
      await problems(sample, `import type { Config } from '${server}';\nexport type C = Config;\n`),
      zone.shared,
      server,
    );
  });

  it('keeps client code out of the server', async () => {
    const sample = 'src/server/routes/lint-sample.ts';
    const path = specifier(sample, someSourceFile('src/client/lib'));
    expectZone(await problems(sample, `export * from '${path}';\n`), zone.server, path);
  });

  it('lets the client name server types and nothing else', async () => {
    const sample = 'src/client/lib/lint-sample.ts';
    const path = specifier(sample, 'src/server/app.ts');
    expect(
      await problems(sample, `import type { AppType } from '${path}';\nexport type A = AppType;\n`),
    ).toEqual([]);
    expect(
      await problems(sample, `import { createApp } from '${path}';\nexport const a = createApp;\n`),
    ).toEqual([expect.stringContaining('@typescript-eslint/no-restricted-imports')]);
  });

  it('keeps SQL out of route handlers: queries live in src/server/db', async () => {
    const route = 'src/server/routes/lint-sample.ts';
    const noSql = 'Routes hold no SQL: add a function to src/server/db/<resource>.ts.';
    expect(
      await problems(
        route,
        "export const q = (db: { selectFrom(t: string): unknown }) => db.selectFrom('accounts');\n",
      ),
    ).toEqual([`no-restricted-syntax: ${noSql}`]);
    expect(await problems(route, "import { sql } from 'kysely';\nexport const q = sql;\n")).toEqual([
      expect.stringContaining(noSql),
    ]);
    expect(
      await problems(
        route,
        "import { findIdentity } from '../db/identities';\nexport const q = findIdentity;\n",
      ),
    ).toEqual([]);
    // The data layer itself may, of course.
    expect(
      await problems(
        'src/server/db/lint-sample.ts',
        "export const q = (db: { selectFrom(t: string): unknown }) => db.selectFrom('accounts');\n",
      ),
    ).toEqual([]);
  });
});

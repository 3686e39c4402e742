import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { installScriptProblems, readManifests } from './install-scripts';

describe('the install-script check', () => {
  it('passes on this repository as committed', () => {
    expect(installScriptProblems(readManifests(process.cwd()))).toEqual([]);
  });

  it('names a package that declares an install script nobody reviewed', () => {
    const problems = installScriptProblems({
      allowScripts: { esbuild: true, 'left-pad': false },
      lockedPackages: {
        '': { name: 'ringpost' },
        'node_modules/esbuild': { version: '0.28.2', integrity: 'sha512-x', hasInstallScript: true },
        'node_modules/left-pad': { version: '1.0.0', integrity: 'sha512-y', hasInstallScript: true },
        'node_modules/@evil/miner': { version: '6.6.6', integrity: 'sha512-z', hasInstallScript: true },
        'node_modules/a/node_modules/esbuild': {
          version: '0.1.0',
          integrity: 'sha512-w',
          hasInstallScript: true,
        },
      },
    });
    expect(problems).toEqual([
      "@evil/miner@6.6.6 declares an install script but is not in package.json's allowScripts: review it and add it as true or false.",
    ]);
  });

  it('names a locked package without an integrity hash', () => {
    expect(
      installScriptProblems({
        allowScripts: {},
        lockedPackages: { 'node_modules/zod': { version: '4.0.0' }, 'node_modules/local': { link: true } },
      }),
    ).toEqual(['zod@4.0.0 has no integrity hash in package-lock.json.']);
  });
});

describe("the README's dependency table", () => {
  it('names every production dependency with what it is for', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Dependencies'), readme.indexOf('## Security notes'));
    const listed = [...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) =>
      [...(row[1] ?? '').matchAll(/`([^`]+)`/g)].map((name) => name[1]),
    );
    expect(listed.sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });
});

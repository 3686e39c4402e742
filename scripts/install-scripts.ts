import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The registry here answers no audit queries, so the supply chain is checked from what the repository
// holds: every package that declares an install script must have been reviewed in package.json's
// `allowScripts` (allowed or denied by name), and every locked package must carry an integrity hash so
// `npm ci` installs exactly the bytes that were locked. `.ci/run` fails on any finding.

interface LockedPackage {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  hasInstallScript?: boolean;
}

export interface Manifests {
  allowScripts: Record<string, boolean>;
  lockedPackages: Record<string, LockedPackage>;
}

/** The package's name from its place in the lockfile: `node_modules/@scope/name` → `@scope/name`. */
function nameOf(path: string, locked: LockedPackage): string {
  return locked.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Problems found, one sentence each; none means the check passes. */
export function installScriptProblems({ allowScripts, lockedPackages }: Manifests): string[] {
  const reviewed = new Set(Object.keys(allowScripts).map((spec) => spec.replace(/(?<=.)@[^@/]*$/, '')));
  const problems: string[] = [];
  for (const [path, locked] of Object.entries(lockedPackages)) {
    if (path === '' || locked.link) continue;
    const name = nameOf(path, locked);
    if (locked.hasInstallScript && !reviewed.has(name)) {
      problems.push(
        `${name}@${locked.version ?? '?'} declares an install script but is not in package.json's allowScripts: review it and add it as true or false.`,
      );
    }
    if (!locked.integrity) {
      problems.push(`${name}@${locked.version ?? '?'} has no integrity hash in package-lock.json.`);
    }
  }
  return problems;
}

export function readManifests(root: string): Manifests {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    allowScripts?: Record<string, boolean>;
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, LockedPackage>;
  };
  return { allowScripts: pkg.allowScripts ?? {}, lockedPackages: lock.packages ?? {} };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifests = readManifests(process.cwd());
  const problems = installScriptProblems(manifests);
  const withScripts = Object.values(manifests.lockedPackages).filter((locked) => locked.hasInstallScript);
  for (const problem of problems) console.error(problem);
  console.log(
    `install scripts: ${withScripts.length} packages declare one, ${Object.keys(manifests.allowScripts).length} reviewed in allowScripts; ${problems.length} problems`,
  );
  process.exitCode = problems.length > 0 ? 1 : 0;
}

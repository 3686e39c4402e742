import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  leakCheckDir,
  OWN_SERVERS,
  SERVER_COPIES,
  type RequestRecord,
  type SecretRecord,
} from './leak-record';
import { findLeaks, formatLeaks, MIN_TEXT_CHARS, type Piece } from './leak-scan';

// DESIGN §5: "The server's database and logs never contain a message's text, a password, or an
// unencrypted private key." After the whole run, with what leak-record.ts kept, this looks in every
// server's SQLite files and log, the PostgreSQL copies, and every request a browser sent.

function jsonLines<T>(dir: string, prefix: string): T[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.jsonl'))
    .flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as T),
    );
}

/** A server's SQLite files (the -wal holds what is not checkpointed yet) and its log. */
function serverFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('ringpost.sqlite') || name === 'server.log')
    .map((name) => join(dir, name));
}

function serverFiles(dataDir: string, recordDir: string): string[] {
  const files = serverFilesIn(dataDir);
  const own = join(recordDir, OWN_SERVERS);
  if (existsSync(own)) {
    for (const name of readdirSync(own)) files.push(...serverFilesIn(join(own, name)));
  }
  const copies = join(recordDir, SERVER_COPIES);
  if (existsSync(copies)) files.push(...readdirSync(copies).map((name) => join(copies, name)));
  return files.filter((file) => statSync(file).isFile());
}

/**
 * The request's path with every part but the route's own words hidden: the URL may be where the secret
 * leaked, and the report must not repeat it.
 */
function route(url: string): string {
  const { pathname, search } = new URL(url);
  const parts = pathname.split('/').map((part) => (/^[a-z-]*$/.test(part) ? part : '…'));
  return `${parts.join('/')}${search ? '?…' : ''}`;
}

function requestPiece(request: RequestRecord): Piece {
  return {
    where: `${request.method} ${route(request.url)} (${request.story})`,
    // The URL and headers too: a secret in a query string or a header has left the browser as surely.
    bytes: Buffer.concat([
      Buffer.from(`${request.method} ${request.url}\n${JSON.stringify(request.headers)}\n`),
      Buffer.from(request.body, 'base64'),
    ]),
  };
}

const isPost = (request: RequestRecord, path: string) =>
  request.method === 'POST' && new URL(request.url).pathname === path;

/**
 * Fails when the record cannot be right: browsers sent messages or signed in, yet nothing typed was
 * recorded. Without this a broken recorder would make the check pass with nothing to look for.
 */
function checkRecordIsWhole(secrets: readonly SecretRecord[], requests: readonly RequestRecord[]): void {
  const typed = (kind: SecretRecord['kind']) =>
    secrets.some((secret) => secret.kind === kind && secret.detail === 'typed in a browser');
  const problems: string[] = [];
  if (requests.some((request) => isPost(request, '/api/messages')) && !typed('message')) {
    problems.push('browsers sent messages, but no message text typed in a browser was recorded');
  }
  const signedIn = requests.some(
    (request) => isPost(request, '/api/session') || isPost(request, '/api/accounts'),
  );
  if (signedIn && !typed('password')) {
    problems.push('browsers signed in, but no password typed in a browser was recorded');
  }
  if (problems.length > 0) throw new Error(`Leak check: the record is incomplete: ${problems.join('; ')}.`);
}

/**
 * Throws with a list of every leak found (which kind of secret, in what form, where; never the secret
 * itself), or returns a one-line summary of what was checked.
 */
export function checkRunForLeaks(dataDir: string): string {
  const recordDir = leakCheckDir(dataDir);
  if (!recordDir || !existsSync(recordDir)) return 'Leak check: nothing was recorded, so nothing to check.';
  const secrets = jsonLines<SecretRecord>(recordDir, 'secrets-');
  const requests = jsonLines<RequestRecord>(recordDir, 'requests-');
  checkRecordIsWhole(secrets, requests);

  const files = serverFiles(dataDir, recordDir);
  if (!existsSync(join(dataDir, 'ringpost.sqlite')) || !existsSync(join(dataDir, 'server.log'))) {
    throw new Error(`Leak check: the shared server's ringpost.sqlite or server.log is not in ${dataDir}.`);
  }
  const pieces: Piece[] = [
    ...files.map((file) => ({ where: relative(dataDir, file), bytes: readFileSync(file) })),
    ...requests.map(requestPiece),
  ];
  const leaks = findLeaks(pieces, secrets);
  const count = (kind: SecretRecord['kind']) =>
    new Set(
      secrets
        .filter((secret) => secret.kind === kind && [...secret.value].length >= MIN_TEXT_CHARS)
        .map((secret) => secret.value),
    ).size;
  const checked =
    `${count('password')} passwords, ${count('message')} message texts and ${count('key-number')} ` +
    `private key numbers, and the shapes of any private key, in ${files.length} server files and ` +
    `${requests.length} browser requests`;
  if (leaks.length > 0) {
    throw new Error(
      `Leak check failed: secrets found where they must never be (looked for ${checked}).\n` +
        `${formatLeaks(leaks)}\nThe run's files are kept in ${dataDir} to look into.`,
    );
  }
  return `Leak check: none of ${checked}.`;
}

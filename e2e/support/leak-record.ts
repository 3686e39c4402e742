import { createPrivateKey } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type Browser, type BrowserContext } from '@playwright/test';
import pg from 'pg';

// The record the leak check reads after the run (leak-check.ts, from global-teardown.ts): every password
// and message text the stories used, the secret numbers of every private key they hold, and everything
// the browsers sent. Playwright workers are separate processes, so each appends JSON lines to files of its
// own in the run's data folder; the teardown reads them once every worker has gone.

export type SecretKind = 'password' | 'message' | 'key-number';

export interface SecretRecord {
  kind: SecretKind;
  /** The text itself; for a key number, its big-endian bytes in base64url (as JWK writes it). */
  value: string;
  /** How the story came by it: "typed in a browser", "made by newPerson", or which key member. */
  detail: string;
  /** The test that used it, so a failing check says where to look. */
  story: string;
}

export interface RequestRecord {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** base64: bodies are bytes, and a JSON line must hold them exactly. */
  body: string;
  story: string;
}

/** The folder the record lives in, inside the shared server's data folder; null outside a Playwright run. */
export function leakCheckDir(dataDir = process.env.E2E_DATA_DIR): string | null {
  return dataDir ? join(dataDir, 'leak-check') : null;
}

/** Copies of server state that outlive its server (a PostgreSQL schema dropped after the story). */
export const SERVER_COPIES = 'server-copies';
/** Data folders of the stories' own servers, kept for the check instead of deleted with the server. */
export const OWN_SERVERS = 'own-servers';

function append(file: 'secrets' | 'requests', record: SecretRecord | RequestRecord): void {
  const dir = leakCheckDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${file}-${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}

function currentStory(): string {
  try {
    return test.info().titlePath.join(' › ');
  } catch {
    // Contexts made in beforeAll/afterAll, and requests finishing after their test, belong to no test.
    return 'outside a test';
  }
}

export function recordSecret(kind: 'password' | 'message', value: string, detail: string): void {
  append('secrets', { kind, value, detail, story: currentStory() });
}

/** The numbers only the private half holds; a leak of any of them gives the key away. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Records the secret numbers of an RSA private key the story holds as PKCS#8 DER. */
export function recordPrivateKey(pkcs8: Uint8Array): void {
  const jwk = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({
    format: 'jwk',
  });
  for (const member of PRIVATE_MEMBERS) {
    const value = jwk[member];
    if (value) append('secrets', { kind: 'key-number', value, detail: member, story: currentStory() });
  }
}

/** Keeps a copy of server state (e.g. a table dump) for the check; `name` becomes its file name. */
export function keepServerCopy(name: string, contents: string): void {
  const dir = leakCheckDir();
  if (!dir) return;
  mkdirSync(join(dir, SERVER_COPIES), { recursive: true });
  writeFileSync(join(dir, SERVER_COPIES, name), contents);
}

const quoted = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Every row of every table in a PostgreSQL schema, kept for the check before a story drops the schema. */
export async function keepSchemaForLeakCheck(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
       where table_schema = $1 and table_type = 'BASE TABLE' order by table_name`,
      [schema],
    );
    const lines: string[] = [];
    for (const { name } of tables.rows) {
      // row_to_json writes bytea as hex, which the check decodes like any other hex.
      const rows = await client.query<{ row: string }>(
        `select row_to_json(t)::text as row from ${quoted(schema)}.${quoted(name)} t`,
      );
      lines.push(...rows.rows.map(({ row }) => `${name} ${row}`));
    }
    keepServerCopy(`postgres-${schema}.jsonl`, `${lines.join('\n')}\n`);
  } finally {
    await client.end();
  }
}

/** A fresh data folder for a story's own server, where the check finds it after the run. */
export function ownServerDataDir(): string {
  const dir = leakCheckDir();
  if (!dir) throw new Error('E2E_DATA_DIR is not set: run through playwright.config.ts.');
  mkdirSync(join(dir, OWN_SERVERS), { recursive: true });
  return mkdtempSync(join(dir, OWN_SERVERS, 'own-'));
}

const TYPED_BINDING = '__ringpostRecordTyped';

/**
 * Runs in every page before the app: reports each value typed into a password field or a textarea (the
 * compose field; the app has no other), whichever helper or keystroke put it there.
 */
function watchTyping(binding: string): void {
  window.addEventListener(
    'input',
    (event) => {
      const report = Reflect.get(window, binding) as ((kind: string, value: string) => unknown) | undefined;
      const field = event.target;
      if (!report) return;
      if (field instanceof HTMLInputElement && field.type === 'password') {
        void report('password', field.value);
      } else if (field instanceof HTMLTextAreaElement) {
        void report('message', field.value);
      }
    },
    true,
  );
}

async function recordContext(context: BrowserContext): Promise<void> {
  context.on('request', (request) => {
    append('requests', {
      method: request.method(),
      url: request.url(),
      headers: request.headers(),
      body: request.postDataBuffer()?.toString('base64') ?? '',
      story: currentStory(),
    });
  });
  await context.exposeBinding(TYPED_BINDING, (_source, kind: unknown, value: unknown) => {
    if ((kind === 'password' || kind === 'message') && typeof value === 'string') {
      recordSecret(kind, value, 'typed in a browser');
    }
  });
  await context.addInitScript(watchTyping, TYPED_BINDING);
}

/**
 * Every context made from `browser` from now on is recorded, the fixtures' default one included:
 * Playwright's `context` fixture and `browser.newPage()` both go through `newContext`.
 */
export function recordEveryContext(browser: Browser): void {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await recordContext(context);
    return context;
  };
}

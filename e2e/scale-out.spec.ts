import { randomBytes } from 'node:crypto';
import { createThrowawaySchema, type ThrowawaySchema } from '../src/server/testing/pg-schema';
import type { Browser, Page, PlaywrightWorkerArgs } from '@playwright/test';
import { formatServerKeys, generateServerKey } from '../src/server/server-keys';
import { signIn } from './support/accounts';
import { balancer, type Balancer } from './support/balancer';
import { createSharingPerson, expect, test, type SharingPerson } from './support/fixtures';
import { keepSchemaForLeakCheck } from './support/leak-record';
import { openMessages, receivedFrom, sendMessage, sentTo } from './support/messages';
import { ownServer, type OwnServer } from './support/own-server';
import { joinRings } from './support/ring';

// Two API instances on one PostgreSQL, as a deployment with a load balancer runs them (DESIGN §3): for
// the people using it, exactly what one instance on SQLite is, even when an instance dies mid-stream.

const url = process.env.TEST_DATABASE_URL;

test.describe('two instances on one PostgreSQL', () => {
  test.skip(!url, 'Set TEST_DATABASE_URL to a PostgreSQL database to run these stories.');
  // Two servers to start, a kill and a reconnect through the balancer: on a CI machine shared with other
  // workers this story has taken over a minute, without any step failing.
  test.slow();

  let schema: ThrowawaySchema;
  let instanceA: OwnServer;
  let instanceB: OwnServer;
  let front: Balancer;

  test.beforeEach(async () => {
    schema = await createThrowawaySchema(url ?? '', 'e2e');
    const env = {
      DATABASE_URL: schema.url,
      RINGPOST_SERVER_KEY: formatServerKeys([generateServerKey()]),
      RINGPOST_PUSH_SWEEP: '1s',
    };
    // One after the other: the first runs the migrations.
    instanceA = await ownServer(env);
    instanceB = await ownServer(env);
    // Bob's browser goes through the balancer, which prefers instance B while it lives.
    front = await balancer([instanceB.baseURL, instanceA.baseURL]);
  });

  test.afterEach(async () => {
    await front.close();
    await Promise.all([instanceA.dispose(), instanceB.dispose()]);
    // Every row, kept for the leak check after the run: the schema goes now.
    await keepSchemaForLeakCheck(url ?? '', schema.name);
    await schema.drop();
  });

  async function personAt(
    playwright: PlaywrightWorkerArgs['playwright'],
    baseURL: string,
    options: Parameters<typeof createSharingPerson>[1],
  ): Promise<SharingPerson> {
    const request = await playwright.request.newContext({ baseURL });
    try {
      return await createSharingPerson(request, options);
    } finally {
      await request.dispose();
    }
  }

  async function pageAt(browser: Browser, baseURL: string, person: SharingPerson): Promise<Page> {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await signIn(page, person);
    return page;
  }

  test('alice on one instance writes to bob on the other; bob keeps every message once when his instance is killed', async ({
    browser,
    playwright,
  }) => {
    const alice = await personAt(playwright, instanceA.baseURL, {
      prefix: 'alice',
      termsAccepted: true,
    });
    const bob = await personAt(playwright, front.baseURL, { prefix: 'bob' });
    const alicePage = await pageAt(browser, instanceA.baseURL, alice);
    const bobPage = await pageAt(browser, front.baseURL, bob);
    const aliceName = alice.communityName ?? '';
    const bobName = bob.communityName ?? '';
    await joinRings({ page: alicePage, communityName: aliceName }, { page: bobPage, communityName: bobName });
    await openMessages(alicePage);
    await openMessages(bobPage);

    const texts = Array.from(
      { length: 5 },
      (_, index) => `note ${index + 1} ${randomBytes(4).toString('hex')}`,
    );
    const first = await sendMessage(alicePage, bobName, texts[0] ?? '');
    // Through instance B to bob, and his acknowledgement back through B to alice on A.
    await expect(first.getByText('Delivered')).toBeVisible({ timeout: 10_000 });
    await expect(receivedFrom(bobPage, aliceName)).toHaveCount(1);

    await sendMessage(alicePage, bobName, texts[1] ?? '');
    // Bob's instance dies on the spot, with his stream open and messages on the way.
    await instanceB.kill();
    for (const text of texts.slice(2)) await sendMessage(alicePage, bobName, text);

    // Bob's browser reconnects through the balancer to instance A with its Last-Event-ID.
    await expect(receivedFrom(bobPage, aliceName)).toHaveCount(texts.length, { timeout: 20_000 });
    for (const row of await sentTo(alicePage, bobName).all()) {
      await expect(row.getByText('Delivered')).toBeVisible({ timeout: 20_000 });
    }
    await bobPage.getByRole('button', { name: 'Show all' }).click();
    const received = receivedFrom(bobPage, aliceName);
    for (const text of texts) await expect(received.filter({ hasText: text })).toHaveCount(1);
    // A while later, still once each: nothing arrives twice from the sweep or a late replay.
    await bobPage.waitForTimeout(2_500);
    await expect(receivedFrom(bobPage, aliceName)).toHaveCount(texts.length);
  });
});

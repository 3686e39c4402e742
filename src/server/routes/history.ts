import { Hono } from 'hono';
import {
  historyQuerySchema,
  historyReadsRequestSchema,
  type HistoryMessage,
  type HistoryReadsResponse,
  type HistoryResponse,
} from '../../shared/protocol/history';
import { envelopeV1Schema } from '../../shared/protocol/messages';
import { rules } from '../../shared/rules';
import { requireAccount, type AppDeps, type AppEnv } from '../app-env';
import {
  countStars,
  listEventReads,
  listHistory,
  markEventsRead,
  type HistoryCursor,
  type HistoryRow,
} from '../db/marks';
import { transact } from '../db/transaction';
import { jsonBody } from '../middleware/validate';
import { invalidRequest } from '../errors';
import { messageAad } from '../server-keys';

function encodeCursor(row: HistoryRow): string {
  return Buffer.from(JSON.stringify([row.acceptedAt, row.senderId, row.id])).toString('base64url');
}

function decodeCursor(text: string): HistoryCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      typeof parsed[2] === 'string'
    ) {
      return { acceptedAt: parsed[0] as number, senderId: parsed[1], id: parsed[2] };
    }
  } catch {
    // Answered below, like any other cursor this server did not make.
  }
  throw invalidRequest('cursor: Use the nextCursor of a previous page.');
}

/**
 * History for a second browser of the account (DESIGN §1.6): the messages it sent and received within the
 * history window and the ones it starred, with its own read marks and stars. Content is included while
 * retention allows (always for its starred ones): the sender's copy opens with the key wrapped for the
 * sender, so a sender reads their own messages in any browser.
 */
export function historyRoutes(deps: AppDeps) {
  const { store, clock, config, keyring } = deps;
  return new Hono<AppEnv>()
    .get('/reads', async (c) => {
      const account = requireAccount(c);
      const keys = await listEventReads(store.db, account.id, clock.now() - config.historyMs);
      return c.json({ keys } satisfies HistoryReadsResponse);
    })
    .post('/reads', jsonBody(historyReadsRequestSchema), async (c) => {
      const account = requireAccount(c);
      const { keys } = c.req.valid('json');
      await transact(store.db, deps, async (trx, events) => {
        const fresh = await markEventsRead(trx, account.id, keys, clock.now());
        // The account's other browsers hear of it; nobody else ever does.
        if (fresh.length > 0) events.emit(account.id, { type: 'history.read', keys: fresh });
      });
      return c.body(null, 204);
    })
    .get('/', async (c) => {
      const account = requireAccount(c);
      const query = historyQuerySchema.safeParse(c.req.query());
      if (!query.success) {
        const issue = query.error.issues[0];
        throw invalidRequest(`${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'}`);
      }
      const now = clock.now();
      const after = query.data.cursor === undefined ? null : decodeCursor(query.data.cursor);
      const rows = await listHistory(store.db, account.id, {
        since: now - config.historyMs,
        after,
        limit: query.data.limit,
      });
      const contentSince = now - config.retentionMs;
      const messages = rows.map((row): HistoryMessage => {
        const sent = row.senderId === account.id;
        const starred = row.starredAt !== null;
        const hasContent = row.sealed !== '' && (starred || row.acceptedAt >= contentSince);
        const finished = row.deliveredAt !== null || row.failedAt !== null;
        return {
          from: row.senderName,
          id: row.id,
          to: row.recipientName,
          direction: sent ? 'sent' : 'received',
          acceptedAt: row.acceptedAt,
          status: row.deliveredAt !== null ? 'delivered' : row.failedAt !== null ? 'error' : 'enqueued',
          statusAt: row.deliveredAt ?? row.failedAt ?? row.acceptedAt,
          reason: row.failReason,
          envelope: hasContent
            ? envelopeV1Schema.parse(
                JSON.parse(
                  keyring.open(
                    { sealed: row.sealed, keyVersion: row.keyVersion },
                    messageAad(row.senderId, row.id),
                  ),
                ),
              )
            : null,
          contentExpiresAt:
            !hasContent || starred ? null : finished ? row.acceptedAt + config.retentionMs : row.expiresAt,
          read: sent || row.readAt !== null,
          starred,
        };
      });
      const last = rows.at(-1);
      return c.json({
        messages,
        nextCursor: last && rows.length === query.data.limit ? encodeCursor(last) : null,
        stars: { count: await countStars(store.db, account.id), max: rules.maxStars },
      } satisfies HistoryResponse);
    });
}

import { ringpostDb } from './db';

// How far an account's push channel has read, kept in this browser so a page opened later (a reload, the
// next day, after signing out and in) resumes from there: the server then replays every status, invite
// and Ring change that happened meanwhile (it keeps them for the retention period), not just the messages
// still waiting. Without it a message delivered while its sender's tabs were closed would stay "Enqueued".

export interface PushPosition {
  accountName: string;
  /** The last event id this browser has handled. */
  lastEventId: number;
  savedAt: number;
}

/** The id a new stream resumes after, or null to start afresh. */
export async function readPushPosition(accountName: string): Promise<number | null> {
  const db = await ringpostDb();
  return (await db.get('push', accountName))?.lastEventId ?? null;
}

/**
 * Saves `lastEventId` (an SSE id as the browser reports it) once the events up to it are handled. Anything
 * that is not a positive integer is ignored: a stream that has sent no id yet reports "".
 */
export async function savePushPosition(
  accountName: string,
  lastEventId: string,
  now = Date.now(),
): Promise<void> {
  if (!/^[1-9]\d{0,14}$/.test(lastEventId)) return;
  const db = await ringpostDb();
  await db.put('push', { accountName, lastEventId: Number(lastEventId), savedAt: now });
}

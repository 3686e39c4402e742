import type { AppDeps } from './app-env';
import { findAccountIdByCommunityName } from './db/identities';
import { findReceivedInvite } from './db/ring';
import { notify } from './db/transaction';

/**
 * Tells an invitee's browsers of a new invite. Runs only after the inviter's answer has gone (see the
 * invite route), so whether the name is real, declined or a member changes neither that answer nor its
 * timing; the invitee is told only of an invite their own People tab would list.
 */
export async function tellInvitee(
  deps: Pick<AppDeps, 'store' | 'bus' | 'clock'>,
  invite: { inviteId: string; toName: string },
): Promise<void> {
  const db = deps.store.db;
  const inviteeId = await findAccountIdByCommunityName(db, invite.toName);
  if (inviteeId === null) return;
  const shown = await findReceivedInvite(db, inviteeId, invite.toName, invite.inviteId, deps.clock.now());
  if (shown) await notify(db, deps, inviteeId, { type: 'invite.received' });
}

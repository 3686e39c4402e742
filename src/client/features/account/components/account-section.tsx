import type { Account } from '../../../../shared/protocol/account';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

export function AccountSection({ account }: { account: Account }) {
  return (
    <section className="card" aria-labelledby="account-heading">
      <h2 id="account-heading">Account</h2>
      <dl className="facts">
        <dt>Account name</dt>
        <dd>{account.name}</dd>
        <dt>Created</dt>
        <dd>{dateFormat.format(account.createdAt)}</dd>
      </dl>
      <p className="muted">
        Your password never leaves this browser: Ringpost receives only a key derived from it, and keeps a
        slow hash of that.
      </p>
    </section>
  );
}

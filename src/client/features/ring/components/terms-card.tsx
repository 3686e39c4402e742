import { Alert } from '../../../components/ui/alert';
import { errorMessage } from '../../../lib/api-client';
import type { useAcceptTerms } from '../api/accept-terms';

/** Asked once per account, before the first invite; the server keeps the acceptance and its time. */
export function TermsCard({ accept }: { accept: ReturnType<typeof useAcceptTerms> }) {
  return (
    <section className="card" aria-labelledby="terms-heading">
      <h2 id="terms-heading">Before your first invite</h2>
      <ul className="terms">
        <li>Ringpost is for short private messages between people who already know each other.</li>
        <li>
          It is not a way to find strangers: you invite a friend by the exact community name they gave you.
        </li>
        <li>Ringpost never says whether a name exists or whether an invite was declined.</li>
        <li>Using Ringpost to harass, spam or deceive anyone ends your account.</li>
      </ul>
      {accept.isError && <Alert>{errorMessage(accept.error)}</Alert>}
      <button type="button" disabled={accept.isPending} onClick={() => accept.mutate()}>
        Accept terms
      </button>
    </section>
  );
}

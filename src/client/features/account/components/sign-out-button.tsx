import { useNavigate } from 'react-router';
import { useSignOut } from '../api/sign-out';

export function SignOutButton() {
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <button
      type="button"
      className="secondary"
      disabled={signOut.isPending}
      onClick={() => signOut.mutate(undefined, { onSuccess: () => void navigate('/sign-in') })}
    >
      Sign out
    </button>
  );
}

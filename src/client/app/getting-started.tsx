import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useIdentity } from '../lib/identity-query';

interface Step {
  key: string;
  label: ReactNode;
  done: boolean;
}

/**
 * What a new account does next, in order. A step is ticked only from what the server says is true; inviting
 * friends has nothing to check yet, so it stays open and points to where it will happen.
 */
export function GettingStarted() {
  const identity = useIdentity();
  // Ticks that flip a moment after the page appears would be worse than a checklist that waits.
  if (identity.data === undefined) return null;

  const steps: Step[] = [
    { key: 'activate', label: 'Activate Sharing', done: identity.data !== null },
    {
      key: 'name',
      label: 'Choose your community name',
      done: Boolean(identity.data?.communityName),
    },
    {
      key: 'invite',
      label: (
        <>
          Invite a friend from <Link to="/people">People</Link>
        </>
      ),
      done: false,
    },
  ];

  return (
    <section className="card" aria-labelledby="getting-started-heading">
      <h2 id="getting-started-heading">Getting started</h2>
      <ol className="steps" aria-labelledby="getting-started-heading">
        {steps.map((step) => (
          <li key={step.key} className={step.done ? 'step step-done' : 'step'}>
            <span className="step-mark" aria-hidden="true">
              {step.done ? '✓' : ''}
            </span>
            <span>
              {step.label}
              {/* The tick is an icon and a colour; this says the same in words. */}
              <span className="visually-hidden">{step.done ? ' (Done)' : ' (Not done yet)'}</span>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

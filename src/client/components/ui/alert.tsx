import type { ReactNode } from 'react';

/** role="alert" makes screen readers announce the sentence as soon as it appears. */
export function Alert({
  tone = 'error',
  children,
}: {
  tone?: 'error' | 'info' | 'success';
  children: ReactNode;
}) {
  return (
    <p role={tone === 'error' ? 'alert' : 'status'} className={`alert alert-${tone}`}>
      {children}
    </p>
  );
}

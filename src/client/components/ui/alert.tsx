import type { ReactNode } from 'react';

// Focusing the sentence itself keeps focus from dropping to the page's start when the control that caused
// it disappears, and makes screen readers read it even where live regions are announced unreliably.
const focusElement = (element: HTMLElement | null) => element?.focus();

/** role="alert" makes screen readers announce the sentence as soon as it appears. */
export function Alert({
  tone = 'error',
  takeFocus = false,
  children,
}: {
  tone?: 'error' | 'info' | 'success';
  /** Moves focus to the message when it appears. */
  takeFocus?: boolean;
  children: ReactNode;
}) {
  return (
    <p
      role={tone === 'error' ? 'alert' : 'status'}
      className={`alert alert-${tone}`}
      tabIndex={takeFocus ? -1 : undefined}
      ref={takeFocus ? focusElement : undefined}
    >
      {children}
    </p>
  );
}

import { useEffect, useRef } from 'react';

/** What counts as the person still being there. */
const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/**
 * Hides shown messages again when the person looks away: the window loses focus, the tab is hidden, or
 * nothing is typed, clicked or moved for `idleMs`. A shown password should not stay on a screen left
 * alone (DESIGN §1.5). Listens only while something is shown.
 */
export function useHideWhenAway(hide: () => void, somethingShown: boolean, idleMs: number): void {
  const latestHide = useRef(hide);
  useEffect(() => {
    latestHide.current = hide;
  }, [hide]);

  useEffect(() => {
    if (!somethingShown) return;
    const away = () => latestHide.current();
    let idle = window.setTimeout(away, idleMs);
    const stillHere = () => {
      window.clearTimeout(idle);
      idle = window.setTimeout(away, idleMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') away();
    };
    window.addEventListener('blur', away);
    document.addEventListener('visibilitychange', onVisibility);
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, stillHere, { passive: true });
    return () => {
      window.clearTimeout(idle);
      window.removeEventListener('blur', away);
      document.removeEventListener('visibilitychange', onVisibility);
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, stillHere);
    };
  }, [somethingShown, idleMs]);
}

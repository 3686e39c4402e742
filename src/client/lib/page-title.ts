import { useEffect } from 'react';

/**
 * Names the page in the browser's tab and history, and gives screen readers the first thing they announce
 * after a route change, since a single-page app never loads a new document.
 */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Ringpost`;
  }, [title]);
}

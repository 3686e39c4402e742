import { useEffect } from 'react';

// The document title: the page's name, and in front of it the number of unread messages, as mail
// readers do. Only ever a number: the title shows in the tab strip, the window list and the history.

let pageName = 'Ringpost';
let unread = 0;

function render(): void {
  const count = unread > 0 ? `(${unread}) ` : '';
  document.title = `${count}${pageName} · Ringpost`;
}

/**
 * Names the page in the browser's tab and history, and gives screen readers the first thing they announce
 * after a route change, since a single-page app never loads a new document.
 */
export function usePageTitle(title: string): void {
  useEffect(() => {
    pageName = title;
    render();
  }, [title]);
}

/** The unread count the title carries, set by the signed-in shell. */
export function useUnreadInTitle(count: number): void {
  useEffect(() => {
    unread = count;
    render();
    return () => {
      unread = 0;
      render();
    };
  }, [count]);
}

import { createClipboardKeeper } from './clipboard-keeper';

/** The page's one keeper: a copy made in any view is offered for clearing wherever the person is. */
export const clipboardKeeper = createClipboardKeeper({
  writeText: (text) => navigator.clipboard.writeText(text),
  setTimeout: (callback, ms) => {
    const timer = window.setTimeout(callback, ms);
    return () => window.clearTimeout(timer);
  },
});

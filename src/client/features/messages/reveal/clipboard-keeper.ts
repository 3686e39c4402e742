// People send passwords this way (the Passpack seed's comments), so a copied message should not sit in the
// clipboard for good: 30 s after a copy the page offers to clear it. An offer, not a silent write: a
// browser lets a page write the clipboard only while it has focus, and the person may still be pasting.

export const CLIPBOARD_OFFER_MS = 30_000;

export type ClipboardState =
  | { kind: 'idle' }
  | { kind: 'copied' }
  | { kind: 'offer' }
  | { kind: 'cleared' }
  | { kind: 'failed'; action: 'copy' | 'clear' };

export interface ClipboardKeeperDeps {
  writeText(text: string): Promise<void>;
  setTimeout(callback: () => void, ms: number): () => void;
}

// Properties rather than methods: React's useSyncExternalStore takes `state` and `subscribe` detached.
export interface ClipboardKeeper {
  state: () => ClipboardState;
  subscribe: (listener: () => void) => () => void;
  copy: (text: string) => Promise<void>;
  /** Writes an empty text over what was copied. */
  clear: () => Promise<void>;
  /** The person keeps what they copied: no offer. */
  dismiss: () => void;
}

export function createClipboardKeeper(deps: ClipboardKeeperDeps): ClipboardKeeper {
  let state: ClipboardState = { kind: 'idle' };
  let cancelOffer: (() => void) | null = null;
  const listeners = new Set<() => void>();
  const set = (next: ClipboardState) => {
    state = next;
    for (const listener of listeners) listener();
  };
  const stopTimer = () => {
    cancelOffer?.();
    cancelOffer = null;
  };

  return {
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async copy(text) {
      stopTimer();
      try {
        await deps.writeText(text);
      } catch {
        set({ kind: 'failed', action: 'copy' });
        return;
      }
      set({ kind: 'copied' });
      cancelOffer = deps.setTimeout(() => {
        cancelOffer = null;
        set({ kind: 'offer' });
      }, CLIPBOARD_OFFER_MS);
    },
    async clear() {
      stopTimer();
      try {
        await deps.writeText('');
      } catch {
        set({ kind: 'failed', action: 'clear' });
        return;
      }
      set({ kind: 'cleared' });
    },
    dismiss() {
      stopTimer();
      set({ kind: 'idle' });
    },
  };
}

import { useSyncExternalStore } from 'react';
import { clipboardKeeper } from './browser-clipboard';
import type { ClipboardKeeper } from './clipboard-keeper';

/**
 * What became of the last copy, and the offer to clear it. The status region is always there, so a change
 * is read out; a failure is an alert.
 */
export function ClipboardNotice({ keeper = clipboardKeeper }: { keeper?: ClipboardKeeper }) {
  const state = useSyncExternalStore(keeper.subscribe, keeper.state);
  return (
    <>
      <div role="status" className="clipboard-notice">
        {state.kind === 'copied' && (
          <>
            <p>Copied. In 30 seconds this page will offer to clear the clipboard.</p>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => void keeper.clear()}>
                Clear clipboard
              </button>
            </div>
          </>
        )}
        {state.kind === 'offer' && (
          <>
            <p>You copied a message 30 seconds ago. Clear the clipboard now?</p>
            <div className="actions">
              <button type="button" onClick={() => void keeper.clear()}>
                Clear clipboard
              </button>
              <button type="button" className="secondary" onClick={() => keeper.dismiss()}>
                Keep it
              </button>
            </div>
          </>
        )}
        {state.kind === 'cleared' && <p>Clipboard cleared.</p>}
      </div>
      {state.kind === 'failed' && (
        <p role="alert" className="alert alert-error">
          {state.action === 'copy'
            ? 'This browser did not allow copying. Select the text and copy it instead.'
            : 'The clipboard could not be cleared while this page was in the background. Try again now.'}{' '}
          {state.action === 'clear' && (
            <button type="button" className="secondary" onClick={() => void keeper.clear()}>
              Clear clipboard
            </button>
          )}
        </p>
      )}
    </>
  );
}

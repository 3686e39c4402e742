import { useSyncExternalStore } from 'react';

// Browser notifications for new messages (DESIGN §1.8): they name the sender and never carry the text,
// which exists only inside the crypto worker and on screen while shown.

export type NotificationPermissionState = NotificationPermission | 'unsupported';

const listeners = new Set<() => void>();

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'function' ? Notification.permission : 'unsupported';
}

/** Asks the browser (it shows its own prompt); the answer is remembered by the browser, per site. */
export async function enableNotifications(): Promise<NotificationPermissionState> {
  if (typeof Notification !== 'function') return 'unsupported';
  const answer = await Notification.requestPermission();
  for (const listener of listeners) listener();
  return answer;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useNotificationPermission(): NotificationPermissionState {
  return useSyncExternalStore(subscribe, notificationPermission);
}

/** Title and body of a new message's notification: who, and nothing of what. */
export function newMessageNotice(from: string): { title: string; body: string } {
  return { title: `New message from ${from}`, body: 'Open Ringpost to read it.' };
}

/**
 * Raises the notification when the person allowed them; a click brings this tab forward and opens the
 * conversation. `tag` (the message id) keeps a message pushed twice from showing twice.
 */
export function notifyNewMessage(from: string, messageId: string, open: () => void): void {
  if (notificationPermission() !== 'granted') return;
  const { title, body } = newMessageNotice(from);
  const notification = new Notification(title, { body, tag: messageId });
  notification.addEventListener('click', () => {
    window.focus();
    open();
    notification.close();
  });
}

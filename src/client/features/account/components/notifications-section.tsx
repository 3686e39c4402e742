import { useState } from 'react';
import {
  enableNotifications,
  useNotificationPermission,
  type NotificationPermissionState,
} from '../../../lib/message-notifications';

const STATE_TEXT: Record<NotificationPermissionState, string> = {
  granted: 'Notifications are on. A new message shows who sent it, never what it says.',
  denied:
    'Notifications are blocked for this site. To turn them on, allow them in your browser’s site settings.',
  default: 'Get a notification when a message arrives. It shows who sent it, never what it says.',
  unsupported: 'This browser cannot show notifications.',
};

/** Settings → Notifications: asks the browser's permission only when the person presses the button. */
export function NotificationsSection() {
  const permission = useNotificationPermission();
  const [asking, setAsking] = useState(false);
  return (
    <section className="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">Notifications</h2>
      <p role="status">{STATE_TEXT[permission]}</p>
      {/* Offered while blocked too: the browser then answers at once, and the text says where to change it. */}
      {(permission === 'default' || permission === 'denied') && (
        <button
          type="button"
          disabled={asking}
          onClick={() => {
            setAsking(true);
            void enableNotifications().finally(() => setAsking(false));
          }}
        >
          Enable notifications
        </button>
      )}
    </section>
  );
}

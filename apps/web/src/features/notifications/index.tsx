import { lazy } from 'react';
import './notifications.css';

export { NotificationsBell } from './NotificationsBell';

// The bell is on every screen; the list only loads when opened.
const Screen = lazy(() => import('./NotificationsScreen'));

export function NotificationsScreen() {
  return <Screen />;
}

import { apiGet, apiPost, apiPut } from '../../lib/api.ts';

export const NOTIFICATIONS_KEY = ['notifications'] as const;
export const PREFERENCES_KEY = ['notifications', 'preferences'] as const;

export interface AppNotification {
  id: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

export interface NotificationPage {
  items: AppNotification[];
  unreadCount: number;
  nextCursor: string | null;
}

export type DigestFrequency = 'daily' | 'weekly' | 'off';

export interface NotificationPreference {
  category: string;
  label: string;
  emailImmediate: boolean;
  digest: DigestFrequency;
}

export interface NotificationPreferences {
  emailEnabled: boolean;
  items: NotificationPreference[];
}

export function fetchNotifications(cursor: string | null = null, limit = 20): Promise<NotificationPage> {
  return apiGet<NotificationPage>('/api/notifications', { cursor, limit });
}

export function markNotificationRead(id: string): Promise<AppNotification> {
  return apiPost<AppNotification>(`/api/notifications/${encodeURIComponent(id)}/read`);
}

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return apiPost<{ updated: number }>('/api/notifications/read-all');
}

export function fetchPreferences(): Promise<NotificationPreferences> {
  return apiGet<NotificationPreferences>('/api/notifications/preferences');
}

export function savePreferences(
  items: Array<Pick<NotificationPreference, 'category' | 'emailImmediate' | 'digest'>>,
): Promise<NotificationPreferences> {
  return apiPut<NotificationPreferences>('/api/notifications/preferences', { items });
}

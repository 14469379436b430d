import { Stack } from '@mantine/core';
import { PageHeader } from '../components/page-header.tsx';
import { NotificationPreferences } from '../features/notifications/notification-preferences.tsx';
import { ApiTokens } from '../features/profile/api-tokens.tsx';
import { PasswordForm } from '../features/profile/password-form.tsx';
import { ProfileForm } from '../features/profile/profile-form.tsx';
import { Sessions } from '../features/profile/sessions.tsx';

export function ProfilePage() {
  return (
    <Stack maw={900} gap="lg">
      <PageHeader title="Profile" description="Your details, password, devices and API tokens." />
      <ProfileForm />
      <PasswordForm />
      <Sessions />
      <ApiTokens />
      <NotificationPreferences />
    </Stack>
  );
}

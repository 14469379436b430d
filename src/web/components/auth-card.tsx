import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { usePageTitle } from './page-header.tsx';

/** The centred card used by the signed-out pages (sign-in, first-run setup, invitation). */
export function AuthCard({
  title,
  subtitle,
  children,
  width = 420,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  width?: number;
}) {
  usePageTitle(title);
  return (
    <main className="auth-page">
      <Paper withBorder shadow="sm" p={{ base: 'md', sm: 'xl' }} radius="md" w="100%" maw={width}>
        <Stack gap="lg">
          <Stack gap={4}>
            <Text fw={700} c="blue.9" size="lg">
              Outfield
            </Text>
            <Title order={1} size="h2">
              {title}
            </Title>
            {subtitle ? <Text c="dimmed">{subtitle}</Text> : null}
          </Stack>
          {children}
        </Stack>
      </Paper>
    </main>
  );
}

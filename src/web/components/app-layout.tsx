import {
  AppShell,
  Avatar,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { IconChevronDown, IconLogout, IconUserCircle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense, useCallback, useEffect } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { CRM_KEY } from '../features/crm/crm-api.ts';
import { useOutboxSync } from '../features/crm/outbox-sync.ts';
import { SyncStatusBadge } from '../features/crm/outbox-view.tsx';
import { NotificationBell } from '../features/notifications/notification-bell.tsx';
import { notifyError } from '../lib/notify.ts';
import { ME_KEY, signOut, useMeQuery } from '../lib/session.ts';
import { SessionContext } from '../lib/session-context.ts';
import type { Me } from '../lib/types.ts';
import { FullPageError, FullPageLoader } from './full-page-state.tsx';
import { isActivePath, NAV_GROUP_LABELS, type NavGroup, navItemsFor } from './nav-config.ts';

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters
    .map((part) => part?.[0]?.toUpperCase() ?? '')
    .join('')
    .slice(0, 2);
}

/** The signed-in part of the app: loads the session, or sends the visitor to the sign-in page. */
export function AppLayout() {
  const meQuery = useMeQuery();
  const location = useLocation();
  if (meQuery.isPending) return <FullPageLoader label="Loading your session" />;
  if (meQuery.isError) return <FullPageError error={meQuery.error} onRetry={() => void meQuery.refetch()} />;
  const me = meQuery.data;
  if (!me) {
    return <Navigate to="/sign-in" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  return (
    <SessionContext value={me}>
      <Shell me={me} />
    </SessionContext>
  );
}

function UserMenu({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const wide = useMediaQuery('(min-width: 48em)');

  async function handleSignOut(): Promise<void> {
    try {
      await signOut(queryClient);
      await navigate('/sign-in', { replace: true, state: null });
    } catch (error) {
      notifyError(error, 'Could not sign out');
    }
  }

  return (
    <Menu position="bottom-end" width={220} shadow="md">
      <Menu.Target>
        <UnstyledButton aria-label={`Account menu for ${me.user.name}`} data-testid="user-menu">
          <Group gap={8} wrap="nowrap">
            <Avatar color="blue" radius="xl" size={32} aria-hidden>
              {initials(me.user.name)}
            </Avatar>
            {wide ? (
              <Text size="sm" fw={500} truncate maw={160}>
                {me.user.name}
              </Text>
            ) : null}
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {me.user.email} · {me.role}
        </Menu.Label>
        <Menu.Item component={Link} to="/profile" leftSection={<IconUserCircle size={16} aria-hidden />}>
          Profile
        </Menu.Item>
        <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => void handleSignOut()}>
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function Shell({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [opened, { toggle, close }] = useDisclosure(false);
  // The offline outbox syncs while the signed-in shell is open; what it delivers refreshes the lists.
  const onSynced = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: CRM_KEY }),
    [queryClient],
  );
  useOutboxSync(me.user.id, onSynced);
  // Back online after opening the app offline: load the real session (and its CSRF token) again.
  useEffect(() => {
    const online = () => void queryClient.invalidateQueries({ queryKey: ME_KEY });
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [queryClient]);
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const location = useLocation();
  const items = navItemsFor(me.role);
  const groups = (Object.keys(NAV_GROUP_LABELS) as NavGroup[])
    .map((group) => ({ group, items: items.filter((item) => item.group === group) }))
    .filter((entry) => entry.items.length > 0);

  // The phone drawer closes whenever the user lands on another page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only
  useEffect(() => {
    close();
  }, [location.pathname, close]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <a className="skip-link" href="#main-content">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
              aria-expanded={opened}
              aria-controls="main-navigation"
              data-testid="nav-burger"
            />
            <Text fw={700} c="blue.9" component={Link} to="/" td="none" aria-label="Outfield home">
              Outfield
            </Text>
            <Text size="sm" c="dimmed" truncate data-testid="org-name">
              {me.org.name}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <SyncStatusBadge />
            <NotificationBell />
            <UserMenu me={me} />
          </Group>
        </Group>
      </AppShell.Header>
      {/* A collapsed phone drawer is only slid off-screen; inert keeps it out of the tab order and away
          from screen readers until the burger opens it. */}
      <AppShell.Navbar p="xs" id="main-navigation" aria-label="Main navigation" inert={phone && !opened}>
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap="md">
            {groups.map(({ group, items: groupItems }) => (
              <Stack key={group} gap={2}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt={4}>
                  {NAV_GROUP_LABELS[group]}
                </Text>
                {groupItems.map((item) => {
                  const active = isActivePath(item.path, location.pathname);
                  return (
                    <NavLink
                      key={item.key}
                      component={Link}
                      to={item.path}
                      label={item.label}
                      active={active}
                      aria-current={active ? 'page' : undefined}
                      leftSection={<item.icon size={18} stroke={1.6} aria-hidden />}
                      data-testid={`nav-${item.key}`}
                    />
                  );
                })}
              </Stack>
            ))}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main-content" tabIndex={-1}>
        <Suspense fallback={<FullPageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

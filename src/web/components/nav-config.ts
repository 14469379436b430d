import {
  IconAddressBook,
  IconBinaryTree,
  IconBook,
  IconBuildingStore,
  IconChartBar,
  IconClockPlay,
  IconFileImport,
  IconFlag,
  IconHistory,
  IconHome,
  IconLayoutKanban,
  IconListCheck,
  IconMathFunction,
  IconReportMoney,
  IconSettings,
  IconSitemap,
  IconTable,
  IconTarget,
  IconTargetArrow,
  IconTrophy,
  IconUserCircle,
  IconUsers,
  IconUsersGroup,
  IconWebhook,
} from '@tabler/icons-react';
import type { ComponentType } from 'react';
import type { Role } from '../lib/types.ts';

export type NavGroup = 'main' | 'kpis' | 'crm' | 'admin';

export interface NavItem {
  /** Stable key, also used as the test id `nav-<key>`. */
  key: string;
  label: string;
  path: string;
  icon: ComponentType<{ size?: number | string; stroke?: number; 'aria-hidden'?: boolean }>;
  roles: readonly Role[];
  group: NavGroup;
}

const EVERYONE: readonly Role[] = ['rep', 'manager', 'admin'];
const MANAGERS: readonly Role[] = ['manager', 'admin'];
const ADMINS: readonly Role[] = ['admin'];

export const NAV_GROUP_LABELS: Record<NavGroup, string> = {
  main: 'Workspace',
  kpis: 'KPIs',
  crm: 'CRM',
  admin: 'Administration',
};

/**
 * Every section of the app and who sees it. Later sections (CRM, Goals, KPIs, Check-ins, Pay, Feedback,
 * Reviews…) are added here and routed in app.tsx; the shell and the phone drawer follow automatically.
 */
export const NAV_ITEMS: readonly NavItem[] = [
  { key: 'home', label: 'Home', path: '/', icon: IconHome, roles: EVERYONE, group: 'main' },
  { key: 'goals', label: 'Goals', path: '/goals', icon: IconTarget, roles: EVERYONE, group: 'main' },
  { key: 'team', label: 'Team', path: '/team', icon: IconUsersGroup, roles: MANAGERS, group: 'main' },
  {
    key: 'profile',
    label: 'Profile',
    path: '/profile',
    icon: IconUserCircle,
    roles: EVERYONE,
    group: 'main',
  },
  { key: 'kpis', label: 'My numbers', path: '/kpis/me', icon: IconChartBar, roles: EVERYONE, group: 'kpis' },
  {
    key: 'kpi-team',
    label: 'Team grid',
    path: '/kpis/team',
    icon: IconTable,
    roles: MANAGERS,
    group: 'kpis',
  },
  {
    key: 'kpi-org',
    label: 'Org view',
    path: '/kpis/org',
    icon: IconBinaryTree,
    roles: MANAGERS,
    group: 'kpis',
  },
  {
    key: 'kpi-targets',
    label: 'Targets',
    path: '/kpis/targets',
    icon: IconTargetArrow,
    roles: MANAGERS,
    group: 'kpis',
  },
  {
    key: 'playbooks',
    label: 'Playbooks',
    path: '/playbooks',
    icon: IconBook,
    roles: EVERYONE,
    group: 'kpis',
  },
  {
    key: 'leaderboard',
    label: 'Leaderboard',
    path: '/kpis/leaderboard',
    icon: IconTrophy,
    roles: EVERYONE,
    group: 'kpis',
  },
  {
    key: 'accounts',
    label: 'Accounts',
    path: '/crm/accounts',
    icon: IconBuildingStore,
    roles: EVERYONE,
    group: 'crm',
  },
  {
    key: 'contacts',
    label: 'Contacts',
    path: '/crm/contacts',
    icon: IconAddressBook,
    roles: EVERYONE,
    group: 'crm',
  },
  { key: 'deals', label: 'Deals', path: '/crm/deals', icon: IconReportMoney, roles: EVERYONE, group: 'crm' },
  {
    key: 'board',
    label: 'Deal board',
    path: '/crm/board',
    icon: IconLayoutKanban,
    roles: EVERYONE,
    group: 'crm',
  },
  {
    key: 'activities',
    label: 'Activities',
    path: '/crm/activities',
    icon: IconListCheck,
    roles: EVERYONE,
    group: 'crm',
  },
  {
    key: 'import',
    label: 'Import',
    path: '/crm/import',
    icon: IconFileImport,
    roles: EVERYONE,
    group: 'crm',
  },
  {
    key: 'settings',
    label: 'Settings',
    path: '/admin/settings',
    icon: IconSettings,
    roles: ADMINS,
    group: 'admin',
  },
  { key: 'users', label: 'Users', path: '/admin/users', icon: IconUsers, roles: ADMINS, group: 'admin' },
  { key: 'teams', label: 'Teams', path: '/admin/teams', icon: IconSitemap, roles: ADMINS, group: 'admin' },
  {
    key: 'objectives',
    label: 'Objectives',
    path: '/admin/objectives',
    icon: IconFlag,
    roles: ADMINS,
    group: 'admin',
  },
  {
    key: 'custom-metrics',
    label: 'Custom metrics',
    path: '/admin/metrics',
    icon: IconMathFunction,
    roles: ADMINS,
    group: 'admin',
  },
  {
    key: 'audit',
    label: 'Audit log',
    path: '/admin/audit',
    icon: IconHistory,
    roles: ADMINS,
    group: 'admin',
  },
  { key: 'jobs', label: 'Jobs', path: '/admin/jobs', icon: IconClockPlay, roles: ADMINS, group: 'admin' },
  {
    key: 'webhooks',
    label: 'Webhooks',
    path: '/admin/webhooks',
    icon: IconWebhook,
    roles: ADMINS,
    group: 'admin',
  },
];

export function navItemsFor(role: Role): NavItem[] {
  return NAV_ITEMS.filter((item) => item.roles.includes(role));
}

/** True when `pathname` is inside the section at `path` ("/" only matches itself). */
export function isActivePath(path: string, pathname: string): boolean {
  if (path === '/') return pathname === '/';
  return pathname === path || pathname.startsWith(`${path}/`);
}

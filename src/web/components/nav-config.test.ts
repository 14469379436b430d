import { describe, expect, it } from 'vitest';
import { isActivePath, navItemsFor } from './nav-config.ts';

describe('navItemsFor', () => {
  it('gives reps Home, Goals, Profile, their KPIs and the CRM, managers also Team and the team grid, and admins the administration sections', () => {
    const keys = (role: 'rep' | 'manager' | 'admin') => navItemsFor(role).map((item) => item.key);
    const crm = ['accounts', 'contacts', 'deals', 'board', 'activities', 'import'];
    expect(keys('rep')).toEqual(['home', 'goals', 'profile', 'kpis', 'playbooks', 'leaderboard', ...crm]);
    expect(keys('manager')).toEqual([
      'home',
      'goals',
      'team',
      'profile',
      'kpis',
      'kpi-team',
      'kpi-org',
      'kpi-targets',
      'playbooks',
      'leaderboard',
      ...crm,
    ]);
    expect(keys('admin')).toEqual(
      expect.arrayContaining([
        'home',
        'team',
        'profile',
        'kpi-org',
        'settings',
        'users',
        'teams',
        'custom-metrics',
        'audit',
      ]),
    );
  });
});

describe('isActivePath', () => {
  it('keeps Accounts active on an account page', () => {
    expect(isActivePath('/crm/accounts', '/crm/accounts/0190aaaa')).toBe(true);
    expect(isActivePath('/crm/deals', '/crm/board')).toBe(false);
  });

  it('matches a section and its sub-pages, and Home only on itself', () => {
    expect(isActivePath('/admin/users', '/admin/users')).toBe(true);
    expect(isActivePath('/admin/users', '/admin/users/42')).toBe(true);
    expect(isActivePath('/admin/users', '/admin/usersx')).toBe(false);
    expect(isActivePath('/', '/')).toBe(true);
    expect(isActivePath('/', '/profile')).toBe(false);
  });
});

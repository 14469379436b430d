import { describe, expect, it } from 'vitest';
import { isActivePath, navItemsFor } from './nav-config.ts';

describe('navItemsFor', () => {
  it('gives reps Home, Goals and Profile, managers also Team, and admins the administration sections', () => {
    const keys = (role: 'rep' | 'manager' | 'admin') => navItemsFor(role).map((item) => item.key);
    expect(keys('rep')).toEqual(['home', 'goals', 'profile']);
    expect(keys('manager')).toEqual(['home', 'goals', 'team', 'profile']);
    expect(keys('admin')).toEqual(
      expect.arrayContaining(['home', 'team', 'profile', 'settings', 'users', 'teams', 'audit']),
    );
  });
});

describe('isActivePath', () => {
  it('matches a section and its sub-pages, and Home only on itself', () => {
    expect(isActivePath('/admin/users', '/admin/users')).toBe(true);
    expect(isActivePath('/admin/users', '/admin/users/42')).toBe(true);
    expect(isActivePath('/admin/users', '/admin/usersx')).toBe(false);
    expect(isActivePath('/', '/')).toBe(true);
    expect(isActivePath('/', '/profile')).toBe(false);
  });
});

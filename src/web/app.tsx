import { lazy } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppLayout } from './components/app-layout.tsx';
import { RequireRole } from './components/require-role.tsx';
import { HomePage } from './routes/home.tsx';
import { InvitePage } from './routes/invite.tsx';
import { NotFoundPage } from './routes/not-found.tsx';
import { SetupPage } from './routes/setup.tsx';
import { SignInPage } from './routes/sign-in.tsx';

const ProfilePage = lazy(() => import('./routes/profile.tsx').then((m) => ({ default: m.ProfilePage })));
const TeamPage = lazy(() => import('./routes/team.tsx').then((m) => ({ default: m.TeamPage })));
const OrgSettingsPage = lazy(() =>
  import('./routes/org-settings.tsx').then((m) => ({ default: m.OrgSettingsPage })),
);
const UsersPage = lazy(() => import('./routes/users.tsx').then((m) => ({ default: m.UsersPage })));
const TeamsPage = lazy(() => import('./routes/teams.tsx').then((m) => ({ default: m.TeamsPage })));
const AuditPage = lazy(() => import('./routes/audit.tsx').then((m) => ({ default: m.AuditPage })));

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/setup', element: <SetupPage /> },
  { path: '/invite/:token', element: <InvitePage /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'profile', element: <ProfilePage /> },
      {
        path: 'team',
        element: (
          <RequireRole roles={['manager', 'admin']}>
            <TeamPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/settings',
        element: (
          <RequireRole roles={['admin']}>
            <OrgSettingsPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/users',
        element: (
          <RequireRole roles={['admin']}>
            <UsersPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/teams',
        element: (
          <RequireRole roles={['admin']}>
            <TeamsPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/audit',
        element: (
          <RequireRole roles={['admin']}>
            <AuditPage />
          </RequireRole>
        ),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}

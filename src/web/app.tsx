import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppLayout } from './components/app-layout.tsx';
import { RequireRole } from './components/require-role.tsx';
import { JobsPage } from './features/admin-ops/jobs-page.tsx';
import { WebhooksPage } from './features/admin-ops/webhooks-page.tsx';
import { AccountPage } from './features/crm/account-page.tsx';
import { AccountsPage } from './features/crm/accounts-page.tsx';
import { ActivitiesPage } from './features/crm/activities-page.tsx';
import { ContactsPage } from './features/crm/contacts-page.tsx';
import { DealBoardPage } from './features/crm/deal-board-page.tsx';
import { DealsPage } from './features/crm/deals-page.tsx';
import { ImportPage } from './features/crm/import-page.tsx';
import { CustomMetricsPage } from './features/metrics/custom-metrics-page.tsx';
import { LeaderboardPage } from './features/metrics/leaderboard-page.tsx';
import { MyDashboardPage } from './features/metrics/my-dashboard-page.tsx';
import { OrgViewPage } from './features/metrics/org-view-page.tsx';
import { TeamGridPage } from './features/metrics/team-grid-page.tsx';
import { PlaybookPage } from './features/playbooks/playbook-page.tsx';
import { PlaybooksPage } from './features/playbooks/playbooks-page.tsx';
import { TargetsPage } from './features/targets/targets-page.tsx';
import { AuditPage } from './routes/audit.tsx';
import { GoalDetailPage } from './routes/goal-detail.tsx';
import { GoalsPage, NewGoalPage } from './routes/goals.tsx';
import { HomePage } from './routes/home.tsx';
import { InvitePage } from './routes/invite.tsx';
import { NotFoundPage } from './routes/not-found.tsx';
import { ObjectivesPage } from './routes/objectives.tsx';
import { OrgSettingsPage } from './routes/org-settings.tsx';
import { ProfilePage } from './routes/profile.tsx';
import { SetupPage } from './routes/setup.tsx';
import { SignInPage } from './routes/sign-in.tsx';
import { TeamPage } from './routes/team.tsx';
import { TeamsPage } from './routes/teams.tsx';
import { UsersPage } from './routes/users.tsx';

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  { path: '/setup', element: <SetupPage /> },
  { path: '/invite/:token', element: <InvitePage /> },
  {
    path: '/',
    element: <AppLayout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'goals', element: <GoalsPage /> },
      { path: 'goals/new', element: <NewGoalPage /> },
      { path: 'goals/:id', element: <GoalDetailPage /> },
      { path: 'profile', element: <ProfilePage /> },
      { path: 'crm/accounts', element: <AccountsPage /> },
      { path: 'crm/accounts/:id', element: <AccountPage /> },
      { path: 'crm/contacts', element: <ContactsPage /> },
      { path: 'crm/deals', element: <DealsPage /> },
      { path: 'crm/board', element: <DealBoardPage /> },
      { path: 'crm/activities', element: <ActivitiesPage /> },
      { path: 'crm/import', element: <ImportPage /> },
      { path: 'kpis/me', element: <MyDashboardPage /> },
      { path: 'kpis/leaderboard', element: <LeaderboardPage /> },
      { path: 'playbooks', element: <PlaybooksPage /> },
      { path: 'playbooks/:id', element: <PlaybookPage /> },
      {
        path: 'kpis/org',
        element: (
          <RequireRole roles={['manager', 'admin']}>
            <OrgViewPage />
          </RequireRole>
        ),
      },
      {
        path: 'kpis/targets',
        element: (
          <RequireRole roles={['manager', 'admin']}>
            <TargetsPage />
          </RequireRole>
        ),
      },
      {
        path: 'kpis/team',
        element: (
          <RequireRole roles={['manager', 'admin']}>
            <TeamGridPage />
          </RequireRole>
        ),
      },
      {
        path: 'team',
        element: (
          <RequireRole roles={['manager', 'admin']}>
            <TeamPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/metrics',
        element: (
          <RequireRole roles={['admin']}>
            <CustomMetricsPage />
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
        path: 'admin/objectives',
        element: (
          <RequireRole roles={['admin']}>
            <ObjectivesPage />
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
      {
        path: 'admin/jobs',
        element: (
          <RequireRole roles={['admin']}>
            <JobsPage />
          </RequireRole>
        ),
      },
      {
        path: 'admin/webhooks',
        element: (
          <RequireRole roles={['admin']}>
            <WebhooksPage />
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

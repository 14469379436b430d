import {
  Alert,
  Anchor,
  Button,
  Divider,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { AuthCard } from '../components/auth-card.tsx';
import { FullPageError, FullPageLoader } from '../components/full-page-state.tsx';
import { OrgFields, type OrgFieldValues } from '../components/org-fields.tsx';
import { apiPost } from '../lib/api.ts';
import { browserTimeZone } from '../lib/locale.ts';
import { storeMe } from '../lib/session.ts';
import { confirmProblem, PASSWORD_MIN_LENGTH, passwordProblem, setupQuery } from '../lib/setup.ts';
import type { Me } from '../lib/types.ts';
import { useFormErrors } from '../lib/use-form-errors.ts';

const FIELDS = [
  'orgName',
  'currency',
  'timeZone',
  'fiscalYearStartMonth',
  'adminName',
  'adminEmail',
  'password',
  'confirm',
] as const;

export function SetupPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const setup = useQuery(setupQuery);
  const [orgName, setOrgName] = useState('');
  const [org, setOrg] = useState<OrgFieldValues>(() => ({
    currency: 'USD',
    timeZone: browserTimeZone(),
    fiscalYearStartMonth: '1',
  }));
  const [adminName, setAdminName] = useState('');
  const [adminEmail, setAdminEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);

  const create = useMutation({
    mutationFn: () =>
      apiPost<Me>('/api/setup', {
        orgName: orgName.trim(),
        currency: org.currency,
        timeZone: org.timeZone,
        fiscalYearStartMonth: Number(org.fiscalYearStartMonth),
        adminName: adminName.trim(),
        adminEmail: adminEmail.trim(),
        password,
      }),
    onSuccess: async (me) => {
      storeMe(queryClient, me);
      queryClient.setQueryData(setupQuery.queryKey, { needed: false });
      await navigate('/', { replace: true });
    },
    onError: (error) => handleError(error, 'Setup failed'),
  });

  if (setup.isPending) return <FullPageLoader />;
  if (setup.isError) return <FullPageError error={setup.error} onRetry={() => void setup.refetch()} />;
  if (!setup.data.needed) {
    return (
      <AuthCard title="Already set up" subtitle="This Outfield server already has an organisation.">
        <Alert color="blue" role="status">
          Sign in with your account, or ask your admin for an invitation.
        </Alert>
        <Anchor component={Link} to="/sign-in">
          Go to sign in
        </Anchor>
      </AuthCard>
    );
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    const passwordError = passwordProblem(password);
    const confirmError = confirmProblem(password, confirm);
    if (passwordError || confirmError) {
      setError('password', passwordError);
      setError('confirm', confirmError);
      return;
    }
    create.mutate();
  }

  return (
    <AuthCard
      title="Set up Outfield"
      subtitle="Create your organisation and the first admin account."
      width={640}
    >
      <form onSubmit={handleSubmit} noValidate aria-label="First-run setup">
        <Stack gap="md">
          <Divider label="Organisation" labelPosition="left" />
          <TextInput
            label="Organisation name"
            required
            value={orgName}
            onChange={(event) => setOrgName(event.currentTarget.value)}
            error={errors.orgName}
            autoComplete="organization"
          />
          <OrgFields values={org} onChange={setOrg} errors={errors} />
          <Divider label="Admin account" labelPosition="left" mt="sm" />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <TextInput
              label="Your name"
              required
              value={adminName}
              onChange={(event) => setAdminName(event.currentTarget.value)}
              error={errors.adminName}
              autoComplete="name"
            />
            <TextInput
              label="Your email"
              type="email"
              required
              value={adminEmail}
              onChange={(event) => setAdminEmail(event.currentTarget.value)}
              error={errors.adminEmail}
              autoComplete="email"
            />
            <PasswordInput
              label="Password"
              description={`At least ${PASSWORD_MIN_LENGTH} characters`}
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={errors.password}
              autoComplete="new-password"
            />
            <PasswordInput
              label="Confirm password"
              required
              value={confirm}
              onChange={(event) => setConfirm(event.currentTarget.value)}
              error={errors.confirm}
              autoComplete="new-password"
            />
          </SimpleGrid>
          <Text size="sm" c="dimmed">
            You can change the organisation settings later under Settings.
          </Text>
          <Button type="submit" loading={create.isPending} disabled={!orgName || !adminName || !adminEmail}>
            Create organisation
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

import { Alert, Anchor, Badge, Button, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { AuthCard } from '../components/auth-card.tsx';
import { FullPageLoader } from '../components/full-page-state.tsx';
import { ApiError, apiGet, apiPost } from '../lib/api.ts';
import { formatDate, ROLE_LABELS } from '../lib/locale.ts';
import { errorMessage } from '../lib/notify.ts';
import { storeMe } from '../lib/session.ts';
import { confirmProblem, PASSWORD_MIN_LENGTH, passwordProblem } from '../lib/setup.ts';
import type { InvitationPreview, Me } from '../lib/types.ts';
import { useFormErrors } from '../lib/use-form-errors.ts';

const FIELDS = ['name', 'password', 'confirm'] as const;

export function InvitePage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);
  const path = `/api/invitations/by-token/${encodeURIComponent(token)}`;

  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => apiGet<InvitationPreview>(path),
    retry: false,
  });

  const accept = useMutation({
    mutationFn: () => apiPost<Me>(`${path}/accept`, { name: name.trim(), password }),
    onSuccess: async (me) => {
      queryClient.clear();
      storeMe(queryClient, me);
      await navigate('/', { replace: true });
    },
    onError: (error) => handleError(error, 'Could not accept the invitation'),
  });

  if (preview.isPending) return <FullPageLoader label="Checking your invitation" />;
  if (preview.isError) {
    const gone = preview.error instanceof ApiError && preview.error.status === 404;
    return (
      <AuthCard title="Invitation unavailable">
        <Alert color="red" role="alert">
          {gone
            ? 'This invitation link is not valid any more: it may have expired, been revoked or already used.'
            : errorMessage(preview.error)}
        </Alert>
        <Text size="sm">Ask your admin for a new invitation, or sign in if you already have an account.</Text>
        <Anchor component={Link} to="/sign-in">
          Go to sign in
        </Anchor>
      </AuthCard>
    );
  }

  const invitation = preview.data;

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
    accept.mutate();
  }

  return (
    <AuthCard title={`Join ${invitation.orgName}`} subtitle="You have been invited to Outfield.">
      <Stack gap={6} data-testid="invitation-details">
        <Group gap="xs">
          <Text size="sm" fw={600}>
            Email
          </Text>
          <Text size="sm">{invitation.email}</Text>
        </Group>
        <Group gap="xs">
          <Text size="sm" fw={600}>
            Role
          </Text>
          <Badge variant="light">{ROLE_LABELS[invitation.role] ?? invitation.role}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          The invitation expires on {formatDate(invitation.expiresAt)}.
        </Text>
      </Stack>
      <form onSubmit={handleSubmit} noValidate aria-label="Accept invitation">
        <Stack gap="md">
          <TextInput
            label="Your name"
            required
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={errors.name}
            autoComplete="name"
          />
          <PasswordInput
            label="Choose a password"
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
          <Button type="submit" loading={accept.isPending} disabled={!name}>
            Join {invitation.orgName}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}

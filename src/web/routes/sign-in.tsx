import { Alert, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { AuthCard } from '../components/auth-card.tsx';
import { FullPageLoader } from '../components/full-page-state.tsx';
import { ApiError, apiPost } from '../lib/api.ts';
import { errorMessage } from '../lib/notify.ts';
import { storeMe, useMeQuery } from '../lib/session.ts';
import { setupQuery } from '../lib/setup.ts';
import type { Me } from '../lib/types.ts';
import { useFormErrors } from '../lib/use-form-errors.ts';

const FIELDS = ['email', 'password'] as const;

function redirectTarget(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from = (state as { from: unknown }).from;
    if (typeof from === 'string' && from.startsWith('/') && !from.startsWith('//')) return from;
  }
  return '/';
}

export function SignInPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const setup = useQuery(setupQuery);
  const me = useMeQuery();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);
  const target = redirectTarget(location.state);

  const login = useMutation({
    mutationFn: () => apiPost<Me>('/api/auth/login', { email: email.trim(), password }),
    onSuccess: async (result) => {
      storeMe(queryClient, result);
      await navigate(target, { replace: true });
    },
    onError: (error) => {
      if (
        error instanceof ApiError &&
        (error.code === 'invalid_credentials' || error.code === 'rate_limited')
      ) {
        setFormError(
          error.code === 'invalid_credentials' ? 'The email or password is not right.' : errorMessage(error),
        );
        return;
      }
      handleError(error, 'Could not sign in');
    },
  });

  if (setup.data?.needed) return <Navigate to="/setup" replace />;
  if (me.data) return <Navigate to={target} replace />;
  if (me.isPending) return <FullPageLoader />;

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    setFormError(null);
    clear();
    if (!email.trim() || !password) {
      if (!email.trim()) setError('email', 'Enter your email');
      if (!password) setError('password', 'Enter your password');
      return;
    }
    login.mutate();
  }

  return (
    <AuthCard title="Sign in" subtitle="Welcome back. Sign in to your organisation.">
      <form onSubmit={handleSubmit} noValidate aria-label="Sign in">
        <Stack gap="md">
          {formError ? (
            <Alert
              color="red"
              icon={<IconAlertCircle aria-hidden />}
              role="alert"
              data-testid="sign-in-error"
            >
              {formError}
            </Alert>
          ) : null}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            inputMode="email"
            required
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
            error={errors.email}
            data-autofocus
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={errors.password}
          />
          <Button type="submit" loading={login.isPending} fullWidth>
            Sign in
          </Button>
          <Text size="sm" c="dimmed">
            Invited by a colleague? Open the link in your invitation email.
          </Text>
        </Stack>
      </form>
    </AuthCard>
  );
}

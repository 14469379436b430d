import { Button, Card, Group, PasswordInput, Stack, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { confirmProblem, PASSWORD_MIN_LENGTH, passwordProblem } from '../../lib/setup.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';

const FIELDS = ['currentPassword', 'newPassword', 'confirm'] as const;

export function PasswordForm() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);

  const change = useMutation({
    mutationFn: () => apiPost<void>('/api/me/password', { currentPassword, newPassword }),
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
      setConfirm('');
      notifySuccess('Password changed');
    },
    onError: (error) => handleError(error, 'Could not change your password'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    const passwordError = passwordProblem(newPassword);
    const confirmError = confirmProblem(newPassword, confirm);
    if (passwordError || confirmError) {
      setError('newPassword', passwordError);
      setError('confirm', confirmError);
      return;
    }
    change.mutate();
  }

  return (
    <Card withBorder padding="lg">
      <form onSubmit={handleSubmit} noValidate aria-labelledby="password-title">
        <Stack gap="md">
          <Title order={2} size="h4" id="password-title">
            Change password
          </Title>
          <PasswordInput
            label="Current password"
            required
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.currentTarget.value)}
            error={errors.currentPassword}
            autoComplete="current-password"
          />
          <PasswordInput
            label="New password"
            description={`At least ${PASSWORD_MIN_LENGTH} characters`}
            required
            value={newPassword}
            onChange={(event) => setNewPassword(event.currentTarget.value)}
            error={errors.newPassword}
            autoComplete="new-password"
          />
          <PasswordInput
            label="Confirm new password"
            required
            value={confirm}
            onChange={(event) => setConfirm(event.currentTarget.value)}
            error={errors.confirm}
            autoComplete="new-password"
          />
          <Group justify="flex-end">
            <Button type="submit" loading={change.isPending} disabled={!currentPassword || !newPassword}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

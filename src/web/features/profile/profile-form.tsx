import { Button, Card, Group, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPatch } from '../../lib/api.ts';
import { timeZoneOptions } from '../../lib/locale.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { storeMe } from '../../lib/session.ts';
import { useSession } from '../../lib/session-context.ts';
import type { Me } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';

const FIELDS = ['name', 'timeZone'] as const;

export function ProfileForm() {
  const me = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState(me.user.name);
  const [timeZone, setTimeZone] = useState(me.user.timeZone);
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  const patch: { name?: string; timeZone?: string } = {};
  if (name.trim() !== me.user.name) patch.name = name.trim();
  if (timeZone !== me.user.timeZone) patch.timeZone = timeZone;
  const dirty = Object.keys(patch).length > 0;

  const save = useMutation({
    mutationFn: () => apiPatch<Me>('/api/me', patch),
    onSuccess: (updated) => {
      storeMe(queryClient, updated);
      notifySuccess('Profile saved');
    },
    onError: (error) => handleError(error, 'Could not save your profile'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    if (dirty) save.mutate();
  }

  return (
    <Card withBorder padding="lg">
      <form onSubmit={handleSubmit} noValidate aria-labelledby="profile-details-title">
        <Stack gap="md">
          <Title order={2} size="h4" id="profile-details-title">
            Your details
          </Title>
          <TextInput label="Email" value={me.user.email} readOnly description="Ask an admin to change it" />
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={errors.name}
            autoComplete="name"
          />
          <Select
            label="Time zone"
            description="Dates and times are shown in this zone"
            data={timeZoneOptions(timeZone)}
            value={timeZone}
            onChange={(value) => setTimeZone(value ?? timeZone)}
            searchable
            allowDeselect={false}
            nothingFoundMessage="No such time zone"
            error={errors.timeZone}
          />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending} disabled={!dirty || !name.trim()}>
              Save profile
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

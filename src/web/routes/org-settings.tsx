import { Button, Card, Group, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { FullPageError, FullPageLoader } from '../components/full-page-state.tsx';
import { OrgFields, type OrgFieldValues } from '../components/org-fields.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { LeaderboardSettingsCard } from '../features/metrics/leaderboard-settings.tsx';
import { OutreachSettingsCard } from '../features/metrics/outreach-settings.tsx';
import { StrikeSettingsCard } from '../features/metrics/strike-settings.tsx';
import { VisibilitySettingsCard } from '../features/metrics/visibility-settings.tsx';
import { apiGet, apiPatch } from '../lib/api.ts';
import { notifySuccess } from '../lib/notify.ts';
import { ME_KEY } from '../lib/session.ts';
import type { Me, Org } from '../lib/types.ts';
import { useFormErrors } from '../lib/use-form-errors.ts';

const FIELDS = ['name', 'currency', 'timeZone', 'fiscalYearStartMonth'] as const;
const ORG_KEY = ['org'] as const;

export function OrgSettingsPage() {
  const queryClient = useQueryClient();
  const org = useQuery({ queryKey: ORG_KEY, queryFn: () => apiGet<Org>('/api/org') });
  const [name, setName] = useState('');
  const [fields, setFields] = useState<OrgFieldValues>({
    currency: '',
    timeZone: '',
    fiscalYearStartMonth: '1',
  });
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  useEffect(() => {
    if (!org.data) return;
    setName(org.data.name);
    setFields({
      currency: org.data.currency,
      timeZone: org.data.timeZone,
      fiscalYearStartMonth: String(org.data.fiscalYearStartMonth),
    });
  }, [org.data]);

  const save = useMutation({
    mutationFn: (patch: Partial<Omit<Org, 'id'>>) => apiPatch<Org>('/api/org', patch),
    onSuccess: (updated) => {
      queryClient.setQueryData(ORG_KEY, updated);
      queryClient.setQueryData<Me | null>(ME_KEY, (me) => (me ? { ...me, org: updated } : me));
      notifySuccess('Organisation settings saved');
    },
    onError: (error) => handleError(error, 'Could not save the settings'),
  });

  if (org.isPending) return <FullPageLoader />;
  if (org.isError) return <FullPageError error={org.error} onRetry={() => void org.refetch()} />;

  const current = org.data;
  const patch: Partial<Omit<Org, 'id'>> = {};
  if (name.trim() !== current.name) patch.name = name.trim();
  if (fields.currency !== current.currency) patch.currency = fields.currency;
  if (fields.timeZone !== current.timeZone) patch.timeZone = fields.timeZone;
  if (Number(fields.fiscalYearStartMonth) !== current.fiscalYearStartMonth) {
    patch.fiscalYearStartMonth = Number(fields.fiscalYearStartMonth);
  }
  const dirty = Object.keys(patch).length > 0;

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    if (dirty) save.mutate(patch);
  }

  return (
    <Stack maw={720}>
      <PageHeader title="Organisation settings" description="How your organisation counts money and time." />
      <Card withBorder padding="lg">
        <form onSubmit={handleSubmit} noValidate aria-label="Organisation settings">
          <Stack gap="md">
            <TextInput
              label="Organisation name"
              required
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={errors.name}
            />
            <OrgFields values={fields} onChange={setFields} errors={errors} />
            <Group justify="flex-end">
              <Button type="submit" loading={save.isPending} disabled={!dirty || !name.trim()}>
                Save changes
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      <LeaderboardSettingsCard />
      <StrikeSettingsCard />
      <OutreachSettingsCard />
      <VisibilitySettingsCard />
    </Stack>
  );
}

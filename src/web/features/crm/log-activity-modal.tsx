import { Button, Group, Modal, NumberInput, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { ACCOUNTS_KEY, ACTIVITIES_KEY, crmSettingsQuery } from './crm-api.ts';
import { capitalize } from './crm-format.ts';
import { sendVisitOp } from './outbox-sync.ts';
import { buildLogActivity } from './visit-log.ts';

const FIELDS = ['kind', 'subject', 'outcome', 'durationMinutes'] as const;
// Visits are logged with a check-in from the home screen; the rest are logged here.
const KINDS = ['call', 'email', 'meeting', 'demo', 'task'];

/** "Log activity" on an account: a call, email, meeting… that already happened. */
export function LogActivityModal({
  opened,
  onClose,
  accountId,
}: {
  opened: boolean;
  onClose: () => void;
  accountId: string;
}) {
  const queryClient = useQueryClient();
  const me = useSession();
  const settings = useQuery(crmSettingsQuery);
  const [kind, setKind] = useState('call');
  const [subject, setSubject] = useState('');
  const [outcome, setOutcome] = useState('');
  const [duration, setDuration] = useState<number | string>('');
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const kinds = [...KINDS, ...(settings.data?.activityKinds ?? [])].map((k) => ({
    value: k,
    label: capitalize(k),
  }));

  const log = useMutation({
    // Runs offline too: sendVisitOp queues the op in the outbox instead of failing.
    networkMode: 'always',
    mutationFn: () =>
      sendVisitOp(
        buildLogActivity(
          {
            kind,
            subject,
            outcome,
            durationMinutes: typeof duration === 'number' ? duration : null,
            accountId,
          },
          new Date(),
        ),
        me.user.id,
      ),
    onSuccess: async (result) => {
      notifySuccess(
        result.status === 'sent'
          ? 'Activity logged'
          : 'Activity saved on this phone: it syncs when the connection returns',
      );
      setSubject('');
      setOutcome('');
      setDuration('');
      clear();
      onClose();
      await queryClient.invalidateQueries({ queryKey: ACTIVITIES_KEY });
      await queryClient.invalidateQueries({ queryKey: ACCOUNTS_KEY });
    },
    onError: (error) => handleError(error, 'Could not log the activity'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    log.mutate();
  }

  return (
    <Modal opened={opened} onClose={onClose} title="Log activity" centered>
      <form onSubmit={handleSubmit} noValidate aria-label="Log activity">
        <Stack>
          <Select
            label="Kind"
            data={kinds}
            value={kind}
            onChange={(value) => setKind(value ?? 'call')}
            error={errors.kind}
            allowDeselect={false}
          />
          <TextInput
            label="Subject"
            value={subject}
            onChange={(event) => setSubject(event.currentTarget.value)}
            error={errors.subject}
            required
            data-autofocus
          />
          <Textarea
            label="Outcome"
            autosize
            minRows={2}
            value={outcome}
            onChange={(event) => setOutcome(event.currentTarget.value)}
            error={errors.outcome}
          />
          <NumberInput
            label="Duration (minutes)"
            min={0}
            max={1440}
            allowDecimal={false}
            value={duration}
            onChange={setDuration}
            error={errors.durationMinutes}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={log.isPending}>
              Log activity
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

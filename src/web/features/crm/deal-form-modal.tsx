import {
  ActionIcon,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { apiPatch, apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { CRM_KEY, pipelinesQuery } from './crm-api.ts';
import { AccountSelect, type Named, PersonSelect } from './crm-pickers.tsx';
import type { Deal } from './crm-types.ts';
import {
  DEAL_FIELDS,
  type DealValues,
  dealBody,
  dealValues,
  type SplitRow,
  splitCheck,
  splitRow,
} from './deal-form.ts';

/**
 * "New deal" / "Edit deal": account, owner, amount (decimal, sent as minor units), pipeline and stage,
 * probability (the stage's unless overridden), expected close, won/lost reason and date, and an
 * optional split whose shares are checked as they are typed. Server field errors show under each field.
 */
export function DealFormModal({
  opened,
  onClose,
  deal = null,
  account = null,
}: {
  opened: boolean;
  onClose: () => void;
  deal?: Deal | null;
  /** For a new deal on an account page: the account, fixed. */
  account?: Named | null;
}) {
  const me = useSession();
  const queryClient = useQueryClient();
  const phone = useMediaQuery('(max-width: 36em)');
  const pipelines = useQuery(pipelinesQuery);
  const start = (): DealValues =>
    dealValues(deal, {
      me: { id: me.user.id, name: me.user.name },
      currency: me.org.currency,
      account,
      pipelines: pipelines.data ?? [],
      timeZone: me.org.timeZone,
    });
  const [values, setValues] = useState<DealValues>(start);
  const { errors, handleError, setError, clear } = useFormErrors(DEAL_FIELDS);
  const loaded = pipelines.data !== undefined;
  // Fill the default pipeline in once pipelines arrive, and start afresh each time the form opens.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when opened, the deal or the pipelines change
  useEffect(() => {
    if (opened) {
      setValues(start());
      clear();
    }
  }, [opened, deal?.id, loaded]);

  const set = <K extends keyof DealValues>(key: K, value: DealValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));
  const pipeline = (pipelines.data ?? []).find((p) => p.id === values.pipelineId);
  const stage = pipeline?.stages.find((s) => s.id === values.stageId);
  const check = values.split ? splitCheck(values.splits) : null;
  const edit = deal !== null;

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      edit
        ? apiPatch<Deal>(`/api/crm/deals/${encodeURIComponent(deal.id)}`, body)
        : apiPost<Deal>('/api/crm/deals', body),
    onSuccess: async (saved) => {
      notifySuccess(edit ? `${saved.name} saved` : `${saved.name} created`);
      onClose();
      await queryClient.invalidateQueries({ queryKey: CRM_KEY });
    },
    onError: (error) => handleError(error, edit ? 'Could not save the deal' : 'Could not create the deal'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    const result = dealBody(values, stage?.kind, edit ? 'edit' : 'create');
    if ('errors' in result) {
      for (const [field, message] of Object.entries(result.errors))
        setError(field as (typeof DEAL_FIELDS)[number], message);
      return;
    }
    save.mutate(result.body);
  }

  const updateSplit = (key: number, change: Partial<SplitRow>) =>
    set(
      'splits',
      values.splits.map((row) => (row.key === key ? { ...row, ...change } : row)),
    );
  const title = edit ? 'Edit deal' : 'New deal';

  return (
    <Modal opened={opened} onClose={onClose} title={title} size="lg" centered fullScreen={phone}>
      <form onSubmit={handleSubmit} noValidate aria-label={title}>
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={values.name}
            onChange={(event) => set('name', event.currentTarget.value)}
            error={errors.name}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {account && !edit ? (
              <TextInput label="Account" value={account.name} readOnly />
            ) : (
              <AccountSelect
                label="Account"
                required
                value={values.account}
                onChange={(value) => set('account', value)}
                error={errors.accountId}
              />
            )}
            <PersonSelect
              label="Owner"
              value={values.owner}
              onChange={(value) => set('owner', value)}
              error={errors.ownerId}
            />
            <TextInput
              label={`Amount (${values.currency})`}
              required
              inputMode="decimal"
              placeholder="0.00"
              value={values.amount}
              onChange={(event) => set('amount', event.currentTarget.value)}
              error={errors.amountMinor}
            />
            <TextInput
              label="Expected close"
              type="date"
              value={values.expectedCloseDate}
              onChange={(event) => set('expectedCloseDate', event.currentTarget.value)}
              error={errors.expectedCloseDate}
            />
            <Select
              label="Pipeline"
              data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={values.pipelineId}
              onChange={(id) => {
                const next = (pipelines.data ?? []).find((p) => p.id === id);
                setValues((current) => ({
                  ...current,
                  pipelineId: id,
                  stageId: next?.stages.find((s) => s.kind === 'open')?.id ?? null,
                }));
              }}
              allowDeselect={false}
            />
            <Select
              label="Stage"
              data={(pipeline?.stages ?? []).map((s) => ({
                value: s.id,
                label: `${s.name} (${s.probability}%)`,
              }))}
              value={values.stageId}
              onChange={(id) => set('stageId', id)}
              error={errors.stageId}
              allowDeselect={false}
            />
            <TextInput
              label="Probability (%)"
              inputMode="numeric"
              placeholder={stage ? `${stage.probability} (from the stage)` : ''}
              description="Leave empty to use the stage's probability"
              value={values.probability}
              onChange={(event) => set('probability', event.currentTarget.value)}
              error={errors.probability}
            />
          </SimpleGrid>
          {stage && stage.kind !== 'open' ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }} data-testid="deal-close-fields">
              <TextInput
                label={stage.kind === 'won' ? 'Won on' : 'Lost on'}
                type="date"
                description="Empty: today"
                value={values.closedOn}
                onChange={(event) => set('closedOn', event.currentTarget.value)}
                error={errors.closedOn}
              />
              <TextInput
                label={stage.kind === 'won' ? 'Why we won' : 'Why we lost'}
                value={values.closeReason}
                onChange={(event) => set('closeReason', event.currentTarget.value)}
                error={errors.closeReason}
              />
            </SimpleGrid>
          ) : null}
          <Switch
            label="Split the credit between several reps"
            checked={values.split}
            onChange={(event) => set('split', event.currentTarget.checked)}
          />
          {values.split ? (
            <Stack gap="xs" data-testid="deal-splits">
              {values.splits.map((row, i) => (
                <Group key={row.key} gap="xs" align="flex-end" wrap="nowrap">
                  <div style={{ flex: 1, minWidth: 0 }}>
                    <PersonSelect
                      label={`Rep ${i + 1}`}
                      value={row.person}
                      onChange={(person) => updateSplit(row.key, { person })}
                    />
                  </div>
                  <TextInput
                    label={`Share ${i + 1} (%)`}
                    inputMode="decimal"
                    w={110}
                    value={row.percent}
                    onChange={(event) => updateSplit(row.key, { percent: event.currentTarget.value })}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    size="lg"
                    mb={2}
                    aria-label={`Remove rep ${i + 1}`}
                    disabled={values.splits.length <= 2}
                    onClick={() =>
                      set(
                        'splits',
                        values.splits.filter((r) => r.key !== row.key),
                      )
                    }
                  >
                    <IconTrash size={16} aria-hidden />
                  </ActionIcon>
                </Group>
              ))}
              <Group justify="space-between">
                <Button
                  variant="subtle"
                  size="compact-sm"
                  leftSection={<IconPlus size={14} aria-hidden />}
                  onClick={() => set('splits', [...values.splits, splitRow()])}
                  disabled={values.splits.length >= 10}
                >
                  Add a rep
                </Button>
                <Text
                  size="sm"
                  role="status"
                  aria-live="polite"
                  data-testid="split-total"
                  c={check?.problem ? 'red.9' : undefined}
                >
                  Total {check?.total ?? 0}%{check?.problem ? ` — ${check.problem}` : ' ✓'}
                </Text>
              </Group>
              {errors.splits ? (
                <Text size="sm" c="red.9" role="alert">
                  {errors.splits}
                </Text>
              ) : null}
            </Stack>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {edit ? 'Save deal' : 'Create deal'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

import {
  Alert,
  Button,
  Group,
  Modal,
  MultiSelect,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { PageHeader } from '../../components/page-header.tsx';
import { ApiError, apiDelete, apiGet, apiPatch, apiPost } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { pipelinesQuery } from '../crm/crm-api.ts';
import {
  type Aggregate,
  type CustomMetric,
  type CustomMetricForm,
  describeSpec,
  EMPTY_FORM,
  type FormField,
  fieldOfPath,
  formOf,
  type MetricVocabulary,
  optionsOf,
  type Source,
  specOf,
  suggestionsOf,
} from './custom-metric-form.ts';
import { QueryStates } from './metric-bits.tsx';
import { catalogQuery, METRICS_KEY, metricVocabularyQuery } from './metrics-api.ts';

const CUSTOM_KEY = [...METRICS_KEY, 'custom'] as const;
const customQuery = {
  queryKey: CUSTOM_KEY,
  queryFn: () => apiGet<{ items: CustomMetric[] }>('/api/metrics/custom'),
};

/** Until the org's vocabulary has loaded (or if it cannot be), the built-in kinds and the tiers. */
const BUILTIN_KINDS = ['visit', 'call', 'email', 'meeting', 'demo', 'task'];
const TIERS = ['A', 'B', 'C'];

/** Administration → Custom metrics: the org's own KPIs, built from safe blocks, shown in words. */
export function CustomMetricsPage() {
  const query = useQuery(customQuery);
  const catalog = useQuery(catalogQuery);
  const pipelines = useQuery(pipelinesQuery);
  const vocabulary = useQuery(metricVocabularyQuery());
  const [editing, setEditing] = useState<CustomMetric | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CustomMetric | null>(null);
  const names = useNames(catalog.data?.items, pipelines.data);
  return (
    <Stack maw={1200}>
      <PageHeader
        title="Custom metrics"
        description="Your own KPIs: counts, sums or averages of activities or deals with filters, or the ratio of two metrics. They show on dashboards, leaderboards, targets and goals like the built-in ones."
        actions={
          <Button onClick={() => setEditing('new')} data-testid="new-custom-metric">
            New custom metric
          </Button>
        }
      />
      <QueryStates query={query} label="the custom metrics">
        {() => {
          const items = query.data!.items;
          if (items.length === 0)
            return (
              <Text c="dimmed" data-testid="custom-empty">
                No custom metrics yet. The built-in catalog covers revenue, deals, pipeline and activity; add
                one when your team measures something else.
              </Text>
            );
          return (
            <Table.ScrollContainer minWidth={720} tabIndex={0} aria-label="Custom metrics">
              <Table striped data-testid="custom-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Metric</Table.Th>
                    <Table.Th>Definition</Table.Th>
                    <Table.Th>Shown as</Table.Th>
                    <Table.Th>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((m) => (
                    <Table.Tr key={m.id} data-testid="custom-row">
                      <Table.Td>
                        <Text fw={600}>{m.name}</Text>
                        <Text size="xs" c="dimmed">
                          {m.key}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{describeSpec(m.definition, names)}</Text>
                        <Text size="xs" c="dimmed">
                          {m.description}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {m.format}, {m.direction === 'higher' ? 'higher is better' : 'lower is better'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <Button size="xs" variant="default" onClick={() => setEditing(m)}>
                            Edit <span className="visually-hidden">{m.name}</span>
                          </Button>
                          <Button size="xs" variant="default" color="red" onClick={() => setDeleting(m)}>
                            Delete <span className="visually-hidden">{m.name}</span>
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          );
        }}
      </QueryStates>
      {editing ? (
        <MetricEditor
          metric={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          catalog={catalog.data?.items ?? []}
          stages={(pipelines.data ?? []).flatMap((p) =>
            p.stages.map((s) => ({ value: s.id, label: `${p.name}: ${s.name}` })),
          )}
          names={names}
          vocabulary={vocabulary.data}
        />
      ) : null}
      {deleting ? <DeleteConfirm metric={deleting} onClose={() => setDeleting(null)} /> : null}
    </Stack>
  );
}

function useNames(
  catalog: { key: string; name: string }[] | undefined,
  pipelines: { stages: { id: string; name: string }[] }[] | undefined,
) {
  const metricNames = new Map((catalog ?? []).map((m) => [m.key, m.name]));
  const stageNames = new Map((pipelines ?? []).flatMap((p) => p.stages.map((s) => [s.id, s.name] as const)));
  return {
    metric: (key: string) => metricNames.get(key) ?? key,
    stage: (id: string) => stageNames.get(id) ?? id,
  };
}

function MetricEditor({
  metric,
  onClose,
  catalog,
  stages,
  names,
  vocabulary,
}: {
  metric: CustomMetric | null;
  onClose: () => void;
  catalog: { key: string; name: string; custom: boolean }[];
  stages: { value: string; label: string }[];
  names: ReturnType<typeof useNames>;
  vocabulary: MetricVocabulary | undefined;
}) {
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const client = useQueryClient();
  const [form, setForm] = useState<CustomMetricForm>(metric ? formOf(metric) : EMPTY_FORM);
  const [errors, setErrors] = useState<Partial<Record<FormField, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const set = <K extends keyof CustomMetricForm>(key: K, value: CustomMetricForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: form.name,
        description: form.description,
        definition: specOf(form),
        unit: form.unit,
        direction: form.direction,
        format: form.format,
      };
      return metric
        ? apiPatch<CustomMetric>(`/api/metrics/custom/${metric.id}`, body)
        : apiPost<CustomMetric>('/api/metrics/custom', { key: form.key, ...body });
    },
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: METRICS_KEY });
      notifySuccess(`${saved.name} saved`);
      onClose();
    },
    onError: (error) => {
      if (!(error instanceof ApiError) || error.fields.length === 0) {
        setGeneral(null);
        notifyError(error, 'Could not save the metric');
        return;
      }
      const next: Partial<Record<FormField, string>> = {};
      const rest: string[] = [];
      for (const f of error.fields) {
        const field = fieldOfPath(f.path);
        const message = f.message ? `${f.message[0]!.toUpperCase()}${f.message.slice(1)}` : f.message;
        if (field && !next[field]) next[field] = message;
        else rest.push(`${f.path}: ${f.message}`);
      }
      setErrors(next);
      setGeneral(rest.length ? rest.join(' · ') : null);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    save.mutate();
  };
  const source = form.source;
  const words = describeSpec(specOf(form), names);
  const metricOptions = catalog
    .filter((m) => m.key !== form.key)
    .map((m) => ({ value: m.key, label: `${m.name}${m.custom ? ' (custom)' : ''}` }));
  return (
    <Modal
      opened
      onClose={onClose}
      fullScreen={phone}
      size="xl"
      title={metric ? `Edit ${metric.name}` : 'New custom metric'}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form onSubmit={submit} noValidate data-testid="custom-metric-form">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Name"
              required
              value={form.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              error={errors.name}
            />
            <TextInput
              label="Key"
              description="Lower case letters, digits and _; used by targets and goals; cannot change later"
              required
              disabled={Boolean(metric)}
              value={form.key}
              onChange={(e) => set('key', e.currentTarget.value)}
              error={errors.key}
            />
          </SimpleGrid>
          <Textarea
            label="Description"
            description="Shown next to every value of this metric"
            required
            autosize
            minRows={2}
            value={form.description}
            onChange={(e) => set('description', e.currentTarget.value)}
            error={errors.description}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="cm-source-label">
              Built from
            </Text>
            <SegmentedControl
              aria-labelledby="cm-source-label"
              data={[
                { value: 'activities', label: 'Activities' },
                { value: 'deals', label: 'Deals' },
                { value: 'ratio', label: 'Ratio of two metrics' },
              ]}
              value={source}
              onChange={(v) => set('source', v as Source)}
            />
            {errors.source ? (
              <Text size="sm" c="red.8" role="alert">
                {errors.source}
              </Text>
            ) : null}
          </Stack>
          {source !== 'ratio' ? (
            <Select
              label="Aggregate"
              data={[
                { value: 'count', label: source === 'deals' ? 'Count of deals' : 'Count of activities' },
                {
                  value: 'sum',
                  label: source === 'deals' ? 'Sum of credited amounts' : 'Sum of durations (minutes)',
                },
                {
                  value: 'average',
                  label: source === 'deals' ? 'Average credited amount' : 'Average duration (minutes)',
                },
              ]}
              value={form.aggregate}
              onChange={(v) => v && set('aggregate', v as Aggregate)}
              allowDeselect={false}
            />
          ) : null}
          {source === 'activities' ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <MultiSelect
                label="Kinds"
                description="Empty: every kind"
                data={optionsOf(vocabulary?.activityKinds ?? BUILTIN_KINDS, form.kinds)}
                value={form.kinds}
                onChange={(v) => set('kinds', v)}
                error={errors.kinds}
                searchable
                data-testid="cm-kinds"
              />
              <UsedValuesInput
                label="Outcomes"
                description="Empty: any outcome. Suggested: outcomes your team logged (matched exactly)"
                field="outcomes"
                top={vocabulary?.outcomes}
                value={form.outcomes}
                onChange={(v) => set('outcomes', v)}
                error={errors.outcomes}
              />
              <Select
                label="Check-in"
                data={[
                  { value: 'any', label: 'Any' },
                  { value: 'yes', label: 'Verified check-ins only' },
                  { value: 'no', label: 'Unverified only' },
                ]}
                value={form.verified}
                onChange={(v) => v && set('verified', v as CustomMetricForm['verified'])}
                allowDeselect={false}
                error={errors.verified}
              />
            </SimpleGrid>
          ) : null}
          {source === 'deals' ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Which deals"
                data={[
                  { value: 'won', label: 'Won in the period' },
                  { value: 'lost', label: 'Lost in the period' },
                  { value: 'closed', label: 'Closed (won or lost) in the period' },
                  { value: 'open', label: 'Open now' },
                  { value: 'created', label: 'Created in the period' },
                ]}
                value={form.deals}
                onChange={(v) => v && set('deals', v as CustomMetricForm['deals'])}
                allowDeselect={false}
                error={errors.deals}
              />
              <MultiSelect
                label="Stages"
                description="Empty: every stage"
                data={stages}
                value={form.stageIds}
                onChange={(v) => set('stageIds', v)}
                error={errors.stageIds}
                searchable
              />
              <Select
                label="Currency"
                description="Empty: the org currency; offered: the currencies your deals are in"
                placeholder={vocabulary ? `${vocabulary.currency} (org currency)` : 'Org currency'}
                data={optionsOf(vocabulary?.currencies ?? [], form.currency ? [form.currency] : [])}
                value={form.currency || null}
                onChange={(v) => set('currency', v ?? '')}
                error={errors.currency}
                clearable
                searchable
              />
            </SimpleGrid>
          ) : null}
          {source !== 'ratio' ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <MultiSelect
                label="Account tiers"
                description="Empty: every tier"
                data={optionsOf(vocabulary?.tiers ?? TIERS, form.tiers)}
                value={form.tiers}
                onChange={(v) => set('tiers', v)}
                error={errors.tiers}
              />
              <UsedValuesInput
                label="Territories"
                description="Empty: every territory. Suggested: territories of your accounts (matched exactly)"
                field="territories"
                top={vocabulary?.territories}
                value={form.territories}
                onChange={(v) => set('territories', v)}
                error={errors.territories}
              />
            </SimpleGrid>
          ) : (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Numerator"
                searchable
                data={metricOptions}
                value={form.numerator || null}
                onChange={(v) => set('numerator', v ?? '')}
                error={errors.numerator}
              />
              <Select
                label="Denominator"
                searchable
                data={metricOptions}
                value={form.denominator || null}
                onChange={(v) => set('denominator', v ?? '')}
                error={errors.denominator}
              />
            </SimpleGrid>
          )}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Shown as"
              data={[
                { value: 'count', label: 'Count' },
                { value: 'money', label: 'Money' },
                { value: 'percent', label: 'Percent (ratio × 100)' },
                { value: 'days', label: 'Days' },
                { value: 'number', label: 'Number' },
              ]}
              value={form.format}
              onChange={(v) => v && set('format', v as CustomMetricForm['format'])}
              allowDeselect={false}
              error={errors.format}
            />
            <Select
              label="Unit"
              data={['count', 'money', 'percent', 'days', 'money_per_day', 'ratio']}
              value={form.unit}
              onChange={(v) => v && set('unit', v as CustomMetricForm['unit'])}
              allowDeselect={false}
              error={errors.unit}
            />
            <Select
              label="Better when"
              data={[
                { value: 'higher', label: 'Higher' },
                { value: 'lower', label: 'Lower' },
              ]}
              value={form.direction}
              onChange={(v) => v && set('direction', v as CustomMetricForm['direction'])}
              allowDeselect={false}
              error={errors.direction}
            />
          </SimpleGrid>
          <Alert color="blue.9" variant="outline" title="In words" data-testid="custom-words">
            {words}
          </Alert>
          {general ? (
            <Alert color="red" role="alert" title="The server refused the definition">
              {general}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {metric ? 'Save changes' : 'Create metric'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * A free-text filter (territories, outcomes) with the values records have as suggestions: the most
 * used ones, or — while typing — those containing the text, asked of the server (so a rare value
 * beyond the most used is found too). Any value can still be typed; the server refuses one no
 * record has, naming the closest.
 */
function UsedValuesInput({
  label,
  description,
  field,
  top,
  value,
  onChange,
  error,
}: {
  label: string;
  description: string;
  field: 'territories' | 'outcomes';
  top: MetricVocabulary['territories'] | undefined;
  value: string[];
  onChange: (value: string[]) => void;
  error: string | undefined;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    ...metricVocabularyQuery(q),
    enabled: q !== '' && Boolean(top?.more),
    placeholderData: keepPreviousData,
  });
  const used = q !== '' && top?.more && found.data ? found.data[field] : top;
  return (
    <TagsInput
      label={label}
      description={description}
      data={suggestionsOf(used, value)}
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      error={error}
      maxDropdownHeight={240}
    />
  );
}

function DeleteConfirm({ metric, onClose }: { metric: CustomMetric; onClose: () => void }) {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => apiDelete(`/api/metrics/custom/${metric.id}`),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: METRICS_KEY });
      notifySuccess(`${metric.name} deleted`);
      onClose();
    },
    onError: (error) => notifyError(error, 'Could not delete the metric'),
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Delete ${metric.name}?`}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack>
        <Text size="sm">
          Targets and goals that use “{metric.key}” stop being measured. A metric another metric uses cannot
          be deleted.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep it
          </Button>
          <Button color="red.8" loading={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

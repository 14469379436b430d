import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Progress,
  Radio,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { IconFileTypeCsv } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { errorMessage } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import {
  CRM_KEY,
  dryRunImport,
  fetchImport,
  importFieldsQuery,
  type MappingChoice,
  retryImport,
  startImport,
  uploadImport,
} from './crm-api.ts';
import type { DryRun, ImportEntity, ImportMode, ImportRun } from './crm-types.ts';
import { importProgress, suggestMapping } from './import-mapping.ts';

const ENTITIES: { value: ImportEntity; label: string }[] = [
  { value: 'accounts', label: 'Accounts' },
  { value: 'contacts', label: 'Contacts' },
  { value: 'deals', label: 'Deals' },
  { value: 'activities', label: 'Activities' },
];

type MappingKind = 'salesforce' | 'hubspot' | 'manual';
const START_FIELDS = ['mode', 'preset', 'mapping'] as const;

/** CRM → Import: upload a CSV, map its columns, check every row (dry run), then import in the background. */
export function ImportPage() {
  const queryClient = useQueryClient();
  const catalog = useQuery(importFieldsQuery);
  const [entity, setEntity] = useState<ImportEntity>('accounts');
  const [file, setFile] = useState<File | null>(null);
  const [run, setRun] = useState<ImportRun | null>(null);
  const [mappingKind, setMappingKind] = useState<MappingKind>('salesforce');
  const [manual, setManual] = useState<Record<string, string | null>>({});
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [mode, setMode] = useState<ImportMode>('skip-bad-rows');
  const [jobId, setJobId] = useState<string | null>(null);
  const startForm = useFormErrors(START_FIELDS);
  const fields = catalog.data?.entities[entity]?.fields ?? [];

  function reset(): void {
    setRun(null);
    setDryRun(null);
    setJobId(null);
  }

  function choice(): MappingChoice {
    if (mappingKind !== 'manual') return { preset: mappingKind };
    const mapping: Record<string, string> = {};
    for (const [header, field] of Object.entries(manual)) if (field) mapping[header] = field;
    return { mapping };
  }

  const upload = useMutation({
    mutationFn: (picked: File) => uploadImport(entity, picked),
    onSuccess: (uploaded) => {
      setRun(uploaded);
      setManual(suggestMapping(uploaded.headers, fields));
    },
  });
  const check = useMutation({
    mutationFn: () => dryRunImport(run!.id, choice()),
    onSuccess: setDryRun,
  });
  const start = useMutation({
    mutationFn: () => startImport(run!.id, choice(), mode),
    onSuccess: (started) => {
      startForm.clear();
      setJobId(started.id);
    },
    onError: (error) => startForm.handleError(error, 'Could not start the import'),
  });
  const progress = useQuery({
    queryKey: [...CRM_KEY, 'import', jobId],
    queryFn: () => fetchImport(jobId!),
    enabled: jobId !== null,
    refetchInterval: (query) => {
      const data = query.state.data;
      // A run whose job stopped may be retried by an admin: keep looking, more slowly.
      if (data?.state === 'failed') return data.retryable ? 5000 : false;
      return data?.state === 'done' ? false : 1000;
    },
  });
  const state = progress.data?.state;
  const finished = state === 'done' || state === 'failed';
  useEffect(() => {
    // The imported records show in the CRM lists from now on.
    if (state === 'done') void queryClient.invalidateQueries({ queryKey: CRM_KEY });
  }, [state, queryClient]);

  return (
    <Stack maw={1100}>
      <PageHeader
        title="Import"
        description="Bring accounts, contacts, deals and activities from a CSV file, for example a Salesforce or HubSpot export. Rows with an external id update what an earlier import created."
      />
      <Card withBorder radius="md" component="section" aria-labelledby="import-step-1">
        <Title order={2} size="h4" id="import-step-1" mb="sm">
          1. File
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Select
            label="What the file holds"
            data={ENTITIES}
            value={entity}
            onChange={(value) => {
              if (!value) return;
              setEntity(value as ImportEntity);
              setFile(null);
              reset();
            }}
            allowDeselect={false}
            disabled={jobId !== null && !finished}
          />
          <FileInput
            label="CSV file"
            description="A .csv file, for example a Salesforce or HubSpot export"
            accept=".csv,text/csv"
            leftSection={<IconFileTypeCsv size={16} aria-hidden />}
            value={file}
            onChange={(picked) => {
              setFile(picked);
              reset();
              if (picked) upload.mutate(picked);
            }}
            error={upload.isError ? errorMessage(upload.error) : undefined}
            clearable
            data-testid="import-file"
          />
        </SimpleGrid>
        {upload.isPending ? (
          <Text size="sm" mt="xs">
            Uploading…
          </Text>
        ) : null}
        {run ? (
          <Text size="sm" mt="xs" data-testid="import-uploaded">
            {run.fileName}: {run.headers.length} columns ({run.headers.join(', ')})
          </Text>
        ) : null}
      </Card>

      {run ? (
        <Card withBorder radius="md" component="section" aria-labelledby="import-step-2">
          <Title order={2} size="h4" id="import-step-2" mb="sm">
            2. Columns
          </Title>
          <Stack gap="sm">
            <SegmentedControl
              aria-label="Column mapping"
              value={mappingKind}
              onChange={(value) => {
                setMappingKind(value as MappingKind);
                setDryRun(null);
              }}
              data={[
                { value: 'salesforce', label: 'Salesforce' },
                { value: 'hubspot', label: 'HubSpot' },
                { value: 'manual', label: 'Manual' },
              ]}
            />
            {mappingKind === 'manual' ? (
              <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
                {run.headers.map((header) => (
                  <Select
                    key={header}
                    label={header}
                    placeholder="Ignore this column"
                    data={fields}
                    value={manual[header] ?? null}
                    onChange={(value) => {
                      setManual((current) => ({ ...current, [header]: value }));
                      setDryRun(null);
                    }}
                    clearable
                    searchable
                  />
                ))}
              </SimpleGrid>
            ) : (
              <Text size="sm" c="dimmed">
                Columns are matched by the standard headers of a{' '}
                {mappingKind === 'salesforce' ? 'Salesforce' : 'HubSpot'} export; other columns are ignored.
              </Text>
            )}
            <Group>
              <Button onClick={() => check.mutate()} loading={check.isPending} data-testid="import-dry-run">
                Check rows (dry run)
              </Button>
            </Group>
            {check.isError ? (
              <Alert color="red" role="alert">
                {errorMessage(check.error)}
              </Alert>
            ) : null}
          </Stack>
        </Card>
      ) : null}

      {dryRun ? <DryRunResult dryRun={dryRun} /> : null}

      {dryRun && !dryRun.fatal ? (
        <Card withBorder radius="md" component="section" aria-labelledby="import-step-4">
          <Title order={2} size="h4" id="import-step-4" mb="sm">
            4. Import
          </Title>
          <Stack gap="sm">
            <Radio.Group
              label="When a row has an error"
              value={mode}
              onChange={(value) => setMode(value as ImportMode)}
              error={startForm.errors.mode}
            >
              <Stack gap={6} mt={6}>
                <Radio value="skip-bad-rows" label="Skip bad rows and import the rest" />
                <Radio
                  value="all-or-nothing"
                  label="Import nothing unless every row is good (all or nothing)"
                />
              </Stack>
            </Radio.Group>
            <Group>
              <Button
                onClick={() => start.mutate()}
                loading={start.isPending}
                disabled={jobId !== null && !finished}
                data-testid="import-start"
              >
                Import {dryRun.totalRows} rows
              </Button>
            </Group>
            {progress.data ? <ImportProgress run={progress.data} /> : null}
            {progress.isError ? (
              <Alert color="red" role="alert">
                Could not read the progress: {errorMessage(progress.error)}
              </Alert>
            ) : null}
          </Stack>
        </Card>
      ) : null}
    </Stack>
  );
}

function DryRunResult({ dryRun }: { dryRun: DryRun }) {
  const columns = [...new Set(dryRun.preview.flatMap((row) => Object.keys(row.values)))];
  return (
    <Card
      withBorder
      radius="md"
      component="section"
      aria-labelledby="import-step-3"
      data-testid="import-preview"
    >
      <Title order={2} size="h4" id="import-step-3" mb="sm">
        3. Preview
      </Title>
      <Stack gap="sm">
        {dryRun.fatal ? (
          <Alert color="red" title="This file cannot be imported" role="alert">
            {dryRun.fatal}
          </Alert>
        ) : null}
        <Group gap="xs">
          <Badge variant="light">{dryRun.totalRows} rows</Badge>
          <Badge variant="dot" color="green">
            {dryRun.wouldInsert} new
          </Badge>
          <Badge variant="dot" color="blue">
            {dryRun.wouldUpdate} updates
          </Badge>
          <Badge variant="dot" color={dryRun.badRows > 0 ? 'red' : 'gray'} data-testid="import-bad-rows">
            {dryRun.badRows} bad rows
          </Badge>
        </Group>
        {dryRun.errors.length > 0 ? (
          <>
            <Text fw={600} size="sm">
              Errors
              {dryRun.errorCount > dryRun.errors.length
                ? ` (first ${dryRun.errors.length} of ${dryRun.errorCount})`
                : ''}
            </Text>
            <Table.ScrollContainer minWidth={480}>
              <Table verticalSpacing={4} data-testid="import-errors">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Row</Table.Th>
                    <Table.Th>Column</Table.Th>
                    <Table.Th>Reason</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {dryRun.errors.map((error) => (
                    <Table.Tr key={`${error.row}|${error.column ?? ''}|${error.reason}`}>
                      <Table.Td>{error.row}</Table.Td>
                      <Table.Td>{error.column ?? '—'}</Table.Td>
                      <Table.Td>{error.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        ) : null}
        {dryRun.preview.length > 0 ? (
          <>
            <Text fw={600} size="sm">
              First rows as they will be imported
            </Text>
            <Table.ScrollContainer minWidth={Math.max(480, columns.length * 120)}>
              <Table striped verticalSpacing={4} fz="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Row</Table.Th>
                    {columns.map((column) => (
                      <Table.Th key={column}>{column}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {dryRun.preview.map((row) => (
                    <Table.Tr key={row.row}>
                      <Table.Td>{row.row}</Table.Td>
                      {columns.map((column) => (
                        <Table.Td key={column}>{displayValue(row.values[column])}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        ) : null}
      </Stack>
    </Card>
  );
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function ImportProgress({ run }: { run: ImportRun }) {
  const admin = useSession().role === 'admin';
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () => retryImport(run.id),
    // The queued run replaces the failed one; polling picks up its progress.
    onSuccess: (queued) => queryClient.setQueryData([...CRM_KEY, 'import', run.id], queued),
  });
  const percent = importProgress(run);
  const listPath = `/crm/${run.entity}`;
  return (
    <Stack gap={6} data-testid="import-progress" data-state={run.state}>
      <Progress
        value={percent}
        aria-label="Import progress"
        color={run.state === 'failed' ? 'red' : run.state === 'done' ? 'green' : 'blue'}
        animated={run.state === 'running' || run.state === 'queued'}
      />
      <Text size="sm" aria-live="polite">
        {run.state === 'done'
          ? `Done: ${run.inserted} added, ${run.updated} updated, ${run.skipped} skipped.`
          : run.state === 'failed'
            ? `Failed: ${run.message ?? 'the import stopped'}. ${
                run.mode === 'skip-bad-rows' && run.inserted + run.updated > 0
                  ? `${run.inserted} added and ${run.updated} updated before it stopped; nothing from the failed batch.`
                  : 'Nothing was imported.'
              }`
            : `${run.state === 'queued' ? 'Waiting to start' : 'Importing'}: ${run.processedRows} of ${run.totalRows} rows (${percent}%).`}
      </Text>
      {run.state === 'failed' && run.retryable ? (
        <Group gap="sm" data-testid="import-retryable">
          <Text size="sm">
            It can be retried: it starts again from the file you uploaded
            {run.mode === 'skip-bad-rows' ? ', after the rows already imported' : ''}.
          </Text>
          <Button
            size="xs"
            variant="light"
            onClick={() => retry.mutate()}
            loading={retry.isPending}
            data-testid="import-retry"
          >
            Retry import
          </Button>
          {admin ? (
            <Anchor component={Link} to="/admin/jobs" size="sm">
              Administration → Jobs
            </Anchor>
          ) : null}
        </Group>
      ) : null}
      {retry.isError ? (
        <Text size="sm" c="red" role="alert">
          Could not retry: {errorMessage(retry.error)}
        </Text>
      ) : null}
      {run.state === 'done' ? (
        <Group>
          <Button component={Link} to={listPath} variant="light" data-testid="import-view-list">
            View {run.entity}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertTriangle, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { QueryStates } from '../metrics/metric-bits.tsx';
import { formatMetric } from '../metrics/metric-format.ts';
import { catalogQuery, METRICS_KEY, type MetricFormat } from '../metrics/metrics-api.ts';
import { TARGETS_KEY } from '../targets/targets-api.ts';
import { teamsQuery } from '../teams/teams-api.ts';
import {
  diffWords,
  documentOf,
  type EditorDoc,
  editorOf,
  editorPath,
  PERIOD_WORDS,
} from './playbook-model.ts';
import {
  acknowledge,
  acknowledgementsQuery,
  diffQuery,
  type PeriodKind,
  PLAYBOOKS_KEY,
  type Playbook,
  type PlaybookDocumentOut,
  playbookQuery,
  publish,
  saveDraft,
} from './playbooks-api.ts';
import { scopeWords } from './playbooks-page.tsx';

/** One playbook: the current version, what changed since mine (acknowledge), the draft editor, who has acknowledged. */
export function PlaybookPage() {
  const { id = '' } = useParams();
  const [version, setVersion] = useState<number | undefined>(undefined);
  const query = useQuery(playbookQuery(id, version));
  const teams = useQuery(teamsQuery);
  const teamName = (t: string) => teams.data?.find((x) => x.id === t)?.name ?? 'a team';
  const p = query.data;
  return (
    <Stack maw={1100}>
      <Anchor component={Link} to="/playbooks" size="sm">
        ← All playbooks
      </Anchor>
      <PageHeader
        title={p?.name ?? 'Playbook'}
        description={
          p
            ? `${scopeWords(p, teamName)} · ${p.currentVersion ? `current version ${p.currentVersion}` : 'not published yet'}`
            : undefined
        }
      />
      <QueryStates query={query} label="the playbook">
        {() => {
          const pb = query.data!;
          const draft = pb.versions.find((v) => v.status === 'draft');
          return (
            <Stack>
              {pb.needsAcknowledgement && pb.currentVersion ? <AcknowledgePanel playbook={pb} /> : null}
              {pb.canManage || (pb.canSeeAcknowledgements && pb.currentVersion) ? (
                <Tabs defaultValue="current" keepMounted={false}>
                  <Tabs.List>
                    <Tabs.Tab value="current">Published</Tabs.Tab>
                    {pb.canManage ? (
                      <Tabs.Tab value="draft" data-testid="tab-draft">
                        {draft ? `Draft (version ${draft.version})` : 'Edit (new draft)'}
                      </Tabs.Tab>
                    ) : null}
                    {pb.canSeeAcknowledgements && pb.currentVersion ? (
                      <Tabs.Tab value="acks" data-testid="tab-acks">
                        Acknowledgements
                      </Tabs.Tab>
                    ) : null}
                  </Tabs.List>
                  <Tabs.Panel value="current" pt="md">
                    <VersionView playbook={pb} onVersion={setVersion} />
                  </Tabs.Panel>
                  {pb.canManage ? (
                    <Tabs.Panel value="draft" pt="md">
                      <DraftTab playbook={pb} draftVersion={draft?.version ?? null} />
                    </Tabs.Panel>
                  ) : null}
                  {pb.canSeeAcknowledgements ? (
                    <Tabs.Panel value="acks" pt="md">
                      <AcknowledgementsPanel id={pb.id} />
                    </Tabs.Panel>
                  ) : null}
                </Tabs>
              ) : (
                <VersionView playbook={pb} onVersion={setVersion} />
              )}
            </Stack>
          );
        }}
      </QueryStates>
    </Stack>
  );
}

function useMoney() {
  const me = useSession();
  return (format: string, v: number) => formatMetric(v, format as MetricFormat, me.org.currency);
}

function VersionView({
  playbook,
  onVersion,
}: {
  playbook: Playbook;
  onVersion: (v: number | undefined) => void;
}) {
  const published = playbook.versions.filter((v) => v.status === 'published');
  const shown = playbook.shown;
  if (shown?.status !== 'published')
    return (
      <Text c="dimmed" data-testid="playbook-unpublished">
        No version has been published yet.
      </Text>
    );
  return (
    <Stack>
      {published.length > 1 ? (
        <Select
          label="Version"
          w={220}
          data={published.map((v) => ({
            value: String(v.version),
            label: `Version ${v.version}${v.version === playbook.currentVersion ? ' (current)' : ''}`,
          }))}
          value={String(shown.version)}
          onChange={(v) => onVersion(v && Number(v) !== playbook.currentVersion ? Number(v) : undefined)}
          allowDeselect={false}
        />
      ) : null}
      <DocumentView doc={shown.document} />
    </Stack>
  );
}

function DocumentView({ doc }: { doc: PlaybookDocumentOut }) {
  const fmt = useMoney();
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="playbook-document">
      <Card withBorder padding="md">
        <Title order={2} size="h4" mb="xs">
          Responsibilities
        </Title>
        {doc.summary ? (
          <Text size="sm" mb="xs">
            {doc.summary}
          </Text>
        ) : null}
        {doc.responsibilities.length ? (
          <List size="sm" spacing={4}>
            {doc.responsibilities.map((r) => (
              <List.Item key={r}>{r}</List.Item>
            ))}
          </List>
        ) : (
          <Text size="sm" c="dimmed">
            None listed.
          </Text>
        )}
      </Card>
      <Stack>
        <Card withBorder padding="md">
          <Title order={2} size="h4" mb="xs">
            Targets
          </Title>
          {doc.targets.length ? (
            <List size="sm" spacing={4}>
              {doc.targets.map((t) => (
                <List.Item key={t.id}>
                  {t.metric.name}: {fmt(t.metric.format, t.amount)} {PERIOD_WORDS[t.periodKind]}
                </List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm" c="dimmed">
              No targets in this playbook.
            </Text>
          )}
        </Card>
        <Card withBorder padding="md">
          <Title order={2} size="h4" mb="xs">
            Judged by
          </Title>
          {doc.metrics.length ? (
            <Stack gap={6}>
              {doc.metrics.map((m) => (
                <div key={m.metric.key}>
                  <Text size="sm" fw={600}>
                    {m.metric.name}
                    {m.note ? ` — ${m.note}` : ''}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {m.metric.definition}
                  </Text>
                </div>
              ))}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              No metrics named.
            </Text>
          )}
        </Card>
      </Stack>
    </SimpleGrid>
  );
}

function AcknowledgePanel({ playbook }: { playbook: Playbook }) {
  const client = useQueryClient();
  const catalog = useQuery(catalogQuery);
  const fmt = useMoney();
  const first = !playbook.myAcknowledgedVersion;
  const diff = useQuery({ ...diffQuery(playbook.id), enabled: !first });
  const ack = useMutation({
    mutationFn: () => acknowledge(playbook.id, playbook.currentVersion!),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: PLAYBOOKS_KEY });
      notifySuccess(`Version ${playbook.currentVersion} acknowledged`);
    },
    onError: (e) => notifyError(e, 'Could not acknowledge'),
  });
  const metric = (k: string) => catalog.data?.items.find((m) => m.key === k);
  return (
    <Alert
      color="dark.7"
      variant="outline"
      icon={<IconAlertTriangle aria-hidden />}
      title={
        first
          ? `Please read and acknowledge version ${playbook.currentVersion}`
          : `Version ${playbook.currentVersion} changed what is expected (you acknowledged version ${playbook.myAcknowledgedVersion})`
      }
      data-testid="acknowledge-panel"
    >
      <Stack gap="sm">
        {first ? null : (
          <QueryStates query={diff} label="the changes">
            {() => {
              const words = diffWords(
                diff.data!,
                (k) => metric(k)?.name ?? k,
                (k, v) => fmt(metric(k)?.format ?? 'count', v),
              );
              return words.length ? (
                <List size="sm" data-testid="playbook-diff">
                  {words.map((w) => (
                    <List.Item key={w}>{w}</List.Item>
                  ))}
                </List>
              ) : (
                <Text size="sm">Nothing that affects you changed.</Text>
              );
            }}
          </QueryStates>
        )}
        <Group>
          <Button onClick={() => ack.mutate()} loading={ack.isPending} data-testid="acknowledge">
            I have read version {playbook.currentVersion}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function DraftTab({ playbook, draftVersion }: { playbook: Playbook; draftVersion: number | null }) {
  // The draft's own document when there is one; else start from the current version.
  const draft = useQuery({
    ...playbookQuery(playbook.id, draftVersion ?? undefined),
    enabled: draftVersion !== null,
  });
  if (draftVersion !== null && !draft.data)
    return (
      <QueryStates query={draft} label="the draft">
        {() => null}
      </QueryStates>
    );
  const source = draftVersion !== null ? draft.data?.shown?.document : playbook.shown?.document;
  return (
    <DraftEditor
      key={`${draftVersion}-${draft.dataUpdatedAt}`}
      playbook={playbook}
      initial={source}
      hasDraft={draftVersion !== null}
    />
  );
}

function DraftEditor({
  playbook,
  initial,
  hasDraft,
}: {
  playbook: Playbook;
  initial: PlaybookDocumentOut | undefined;
  hasDraft: boolean;
}) {
  const me = useSession();
  const client = useQueryClient();
  const catalog = useQuery(catalogQuery);
  const [name, setName] = useState(playbook.name);
  const [doc, setDoc] = useState<EditorDoc>(() => editorOf(initial, me.org.currency));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const formatOf = (k: string) => catalog.data?.items.find((m) => m.key === k)?.format ?? 'count';
  const metricOptions = (catalog.data?.items ?? []).map((m) => ({ value: m.key, label: m.name }));
  const err = (path: string) => errors[path];
  const update = (next: Partial<EditorDoc>) => setDoc((d) => ({ ...d, ...next }));

  const onApiError = (e: unknown) => {
    if (e instanceof ApiError && e.fields.length) {
      const next: Record<string, string> = {};
      const rest: string[] = [];
      for (const f of e.fields) {
        const path = editorPath(f.path);
        const known = /^(name|summary|responsibilities\.\d+|(targets|metrics)\.\d+(\.\w+)?)$/.test(path);
        if (known) next[/^(targets|metrics)\.\d+$/.test(path) ? `${path}.metric` : path] = f.message;
        else rest.push(`${path}: ${f.message}`);
      }
      setErrors(next);
      setGeneral(rest.length ? rest.join(' · ') : null);
    } else notifyError(e, 'Could not save');
  };
  const save = useMutation({
    mutationFn: async () => {
      const r = documentOf(doc, formatOf, me.org.currency);
      if (!r.ok) {
        setErrors(r.errors);
        throw new Error('invalid');
      }
      return saveDraft(playbook.id, { name, document: r.doc });
    },
    onSuccess: async () => {
      setErrors({});
      setGeneral(null);
      await client.invalidateQueries({ queryKey: PLAYBOOKS_KEY });
      notifySuccess('Draft saved');
    },
    onError: (e) => {
      if (e instanceof Error && e.message === 'invalid') return;
      onApiError(e);
    },
  });
  const pub = useMutation({
    mutationFn: () => publish(playbook.id),
    onSuccess: async (p) => {
      // The version's targets are default quotas: every KPI answer and target list may change.
      await Promise.all([
        client.invalidateQueries({ queryKey: PLAYBOOKS_KEY }),
        client.invalidateQueries({ queryKey: METRICS_KEY }),
        client.invalidateQueries({ queryKey: TARGETS_KEY }),
      ]);
      notifySuccess(
        `Version ${p.currentVersion} published; everyone it applies to is asked to acknowledge it`,
      );
    },
    onError: onApiError,
  });

  return (
    <Stack data-testid="playbook-editor">
      <Text size="sm" c="dimmed">
        {hasDraft
          ? 'A draft can change until it is published; published versions never change.'
          : 'Saving starts a new draft from the current version.'}
      </Text>
      <TextInput
        label="Name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={err('name')}
      />
      <Textarea
        label="Summary"
        autosize
        minRows={2}
        value={doc.summary}
        onChange={(e) => update({ summary: e.currentTarget.value })}
        error={err('summary')}
      />
      <Stack gap="xs">
        <Title order={2} size="h5">
          Responsibilities
        </Title>
        {doc.responsibilities.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; their position is their identity
          <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
            <TextInput
              style={{ flex: 1 }}
              aria-label={`Responsibility ${i + 1}`}
              value={r}
              onChange={(e) => {
                const list = [...doc.responsibilities];
                list[i] = e.currentTarget.value;
                update({ responsibilities: list });
              }}
              error={err(`responsibilities.${i}`)}
              data-testid="responsibility-input"
            />
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={`Remove responsibility ${i + 1}`}
              onClick={() => update({ responsibilities: doc.responsibilities.filter((_, j) => j !== i) })}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() => update({ responsibilities: [...doc.responsibilities, ''] })}
          >
            Add a responsibility
          </Button>
        </Group>
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h5">
          Targets per period
        </Title>
        {doc.targets.map((t, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <Group key={i} gap="xs" align="flex-start" wrap="wrap">
            <Select
              aria-label={`Target ${i + 1} metric`}
              w={220}
              searchable
              data={metricOptions}
              value={t.metric || null}
              onChange={(v) => {
                const list = [...doc.targets];
                list[i] = { ...t, metric: v ?? '' };
                update({ targets: list });
              }}
              error={err(`targets.${i}.metric`)}
            />
            <Select
              aria-label={`Target ${i + 1} period`}
              w={140}
              data={(['week', 'month', 'quarter', 'year'] as const).map((k) => ({
                value: k,
                label: PERIOD_WORDS[k],
              }))}
              value={t.periodKind}
              onChange={(v) => {
                const list = [...doc.targets];
                list[i] = { ...t, periodKind: (v ?? 'month') as PeriodKind };
                update({ targets: list });
              }}
              allowDeselect={false}
              error={err(`targets.${i}.periodKind`)}
            />
            <TextInput
              aria-label={`Target ${i + 1} amount${formatOf(t.metric) === 'money' ? ` (${me.org.currency})` : ''}`}
              w={150}
              placeholder={formatOf(t.metric) === 'money' ? `Amount (${me.org.currency})` : 'Amount'}
              value={t.amount}
              onChange={(e) => {
                const list = [...doc.targets];
                list[i] = { ...t, amount: e.currentTarget.value };
                update({ targets: list });
              }}
              error={err(`targets.${i}.amount`)}
            />
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={`Remove target ${i + 1}`}
              onClick={() => update({ targets: doc.targets.filter((_, j) => j !== i) })}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() =>
              update({
                targets: [...doc.targets, { metric: 'revenue_won', periodKind: 'month', amount: '' }],
              })
            }
          >
            Add a target
          </Button>
        </Group>
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h5">
          Metrics that judge the role
        </Title>
        {doc.metrics.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <Group key={i} gap="xs" align="flex-start" wrap="wrap">
            <Select
              aria-label={`Judging metric ${i + 1}`}
              w={220}
              searchable
              data={metricOptions}
              value={m.metric || null}
              onChange={(v) => {
                const list = [...doc.metrics];
                list[i] = { ...m, metric: v ?? '' };
                update({ metrics: list });
              }}
              error={err(`metrics.${i}.metric`)}
            />
            <TextInput
              aria-label={`Note on judging metric ${i + 1}`}
              placeholder="Note (optional)"
              style={{ flex: 1, minWidth: 160 }}
              value={m.note}
              onChange={(e) => {
                const list = [...doc.metrics];
                list[i] = { ...m, note: e.currentTarget.value };
                update({ metrics: list });
              }}
              error={err(`metrics.${i}.note`)}
            />
            <ActionIcon
              variant="default"
              size="lg"
              aria-label={`Remove judging metric ${i + 1}`}
              onClick={() => update({ metrics: doc.metrics.filter((_, j) => j !== i) })}
            >
              <IconTrash size={16} aria-hidden />
            </ActionIcon>
          </Group>
        ))}
        <Group>
          <Button
            variant="default"
            size="xs"
            onClick={() => update({ metrics: [...doc.metrics, { metric: '', note: '' }] })}
          >
            Add a metric
          </Button>
        </Group>
      </Stack>
      {general ? (
        <Alert color="red" role="alert" title="Not saved">
          {general}
        </Alert>
      ) : null}
      <Group>
        <Button
          variant="default"
          onClick={() => save.mutate()}
          loading={save.isPending}
          data-testid="save-draft"
        >
          Save draft
        </Button>
        <Button
          onClick={() => pub.mutate()}
          loading={pub.isPending}
          disabled={!hasDraft}
          data-testid="publish"
          title={hasDraft ? undefined : 'Save a draft first'}
        >
          Publish
        </Button>
      </Group>
    </Stack>
  );
}

function AcknowledgementsPanel({ id }: { id: string }) {
  const me = useSession();
  const query = useQuery(acknowledgementsQuery(id));
  return (
    <QueryStates query={query} label="the acknowledgements">
      {() => {
        const a = query.data!;
        return (
          <Stack data-testid="acknowledgements">
            {a.pending.length ? (
              <Alert
                color="dark.7"
                variant="outline"
                icon={<IconAlertTriangle aria-hidden />}
                title={`${a.pending.length} not acknowledged version ${a.version}`}
              >
                <Text size="sm" data-testid="ack-pending">
                  {a.pending.map((p) => p.name).join(', ')}
                </Text>
              </Alert>
            ) : (
              <Alert
                color="teal.9"
                variant="outline"
                title={`Everyone has acknowledged version ${a.version}`}
              />
            )}
            <Table.ScrollContainer type="native" minWidth={480} tabIndex={0} aria-label="Acknowledgements">
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Person</Table.Th>
                    <Table.Th>Acknowledged</Table.Th>
                    <Table.Th>When</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {a.items.map((i) => (
                    <Table.Tr key={i.user.id}>
                      <Table.Td>{i.user.name}</Table.Td>
                      <Table.Td>
                        {i.upToDate ? (
                          <Badge color="teal.9" variant="filled" autoContrast>
                            Version {i.acknowledgedVersion}
                          </Badge>
                        ) : i.acknowledgedVersion ? (
                          <Badge color="yellow.5" variant="filled" autoContrast>
                            Only version {i.acknowledgedVersion}
                          </Badge>
                        ) : (
                          <Badge color="gray.8" variant="filled" autoContrast>
                            Not yet
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {i.acknowledgedAt ? formatDateTime(i.acknowledgedAt, me.org.timeZone) : '—'}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Stack>
        );
      }}
    </QueryStates>
  );
}

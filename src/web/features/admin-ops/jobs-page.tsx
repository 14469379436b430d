import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../../components/page-header.tsx';
import { formatDateTime } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { fetchJobs, JOBS_KEY, type JobState, retryJob } from './admin-ops-api.ts';

const STATE_COLORS: Record<JobState, string> = {
  queued: 'blue',
  running: 'yellow',
  done: 'green',
  dead: 'red',
};

/** Administration → Jobs: the org's background work by state; dead jobs can be retried. */
export function JobsPage() {
  const [state, setState] = useState<JobState | 'all'>('dead');
  const queryClient = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: [...JOBS_KEY, state],
    queryFn: ({ pageParam }) => fetchJobs(state === 'all' ? null : state, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const retry = useMutation({
    mutationFn: retryJob,
    onSuccess: async () => {
      notifySuccess('Job queued again');
      await queryClient.invalidateQueries({ queryKey: JOBS_KEY });
    },
    onError: (error) => notifyError(error, 'Could not retry the job'),
  });
  const counts = query.data?.pages[0]?.counts;
  const jobs = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack maw={1100}>
      <PageHeader
        title="Jobs"
        description="Background work: emails, digests, webhook deliveries. Failed jobs retry with growing delays; after the last attempt they wait here as dead letters."
      />
      <SegmentedControl
        aria-label="Job state"
        value={state}
        onChange={(value) => setState(value as JobState | 'all')}
        data={(['dead', 'queued', 'running', 'done', 'all'] as const).map((s) => ({
          value: s,
          label:
            s === 'all' ? 'All' : `${s[0]!.toUpperCase()}${s.slice(1)}${counts ? ` (${counts[s]})` : ''}`,
        }))}
      />
      {query.isPending ? <Loader aria-label="Loading jobs" /> : null}
      {query.isError ? <Alert color="red">Could not load jobs.</Alert> : null}
      {query.data && jobs.length === 0 ? (
        <Text c="dimmed">
          {state === 'dead' ? 'No dead jobs. Everything ran.' : 'No jobs in this state.'}
        </Text>
      ) : null}
      {jobs.length > 0 ? (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Job</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Next run / finished</Table.Th>
                <Table.Th>Last error</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.map((job) => (
                <Table.Tr key={job.id}>
                  <Table.Td>
                    <Code>{job.name}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLORS[job.state]} variant="light">
                      {job.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {job.attempts} / {job.maxAttempts}
                  </Table.Td>
                  <Table.Td>{formatDateTime(job.createdAt)}</Table.Td>
                  <Table.Td>{formatDateTime(job.finishedAt ?? job.runAt)}</Table.Td>
                  <Table.Td maw={320}>
                    <Text size="xs" lineClamp={3} title={job.lastError ?? undefined}>
                      {job.lastError ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {job.state === 'dead' ? (
                      <Button
                        size="xs"
                        variant="light"
                        loading={retry.isPending && retry.variables === job.id}
                        onClick={() => retry.mutate(job.id)}
                        aria-label={`Retry job ${job.name}`}
                      >
                        Retry
                      </Button>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {query.hasNextPage ? (
        <Group>
          <Button
            variant="default"
            loading={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

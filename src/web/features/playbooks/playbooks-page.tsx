import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { Role } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { QueryStates } from '../metrics/metric-bits.tsx';
import { subtreeIds, teamOptions, teamsQuery } from '../teams/teams-api.ts';
import { createPlaybook, PLAYBOOKS_KEY, type PlaybookListItem, playbooksQuery } from './playbooks-api.ts';

const ROLE_LABEL: Record<Role, string> = { rep: 'Reps', manager: 'Managers', admin: 'Admins' };

export function scopeWords(p: Pick<PlaybookListItem, 'scope'>, teamName: (id: string) => string): string {
  return p.scope.type === 'role'
    ? `For ${ROLE_LABEL[p.scope.role ?? 'rep']}`
    : `For ${teamName(p.scope.teamId ?? '')}`;
}

/** KPIs → Playbooks: what is expected of each role or team; reps see theirs and acknowledge new versions. */
export function PlaybooksPage() {
  const me = useSession();
  const query = useQuery(playbooksQuery);
  const teams = useQuery(teamsQuery);
  const [creating, setCreating] = useState(false);
  const teamName = (id: string) => teams.data?.find((t) => t.id === id)?.name ?? 'a team';
  const canCreate = me.role !== 'rep';
  return (
    <Stack maw={1000}>
      <PageHeader
        title="Playbooks"
        description="What is expected of each role or team: responsibilities, targets per period and the metrics that judge the work."
        actions={
          canCreate ? (
            <Button onClick={() => setCreating(true)} data-testid="new-playbook">
              New playbook
            </Button>
          ) : null
        }
      />
      <QueryStates query={query} label="the playbooks">
        {() => {
          const items = query.data!.items;
          if (items.length === 0)
            return (
              <Text c="dimmed" data-testid="playbooks-empty">
                {canCreate
                  ? 'No playbooks yet. Create one for a role or a team.'
                  : 'No playbook applies to you yet.'}
              </Text>
            );
          const sorted = [...items].sort(
            (a, b) =>
              Number(b.needsAcknowledgement) - Number(a.needsAcknowledgement) || a.name.localeCompare(b.name),
          );
          return (
            <Stack gap="sm">
              {sorted.map((p) => (
                <Card key={p.id} withBorder padding="md" data-testid="playbook-card">
                  <Group justify="space-between" wrap="wrap" gap="xs">
                    <Stack gap={2}>
                      <Link to={`/playbooks/${p.id}`} style={{ fontWeight: 700 }}>
                        {p.name}
                      </Link>
                      <Text size="sm" c="dimmed">
                        {scopeWords(p, teamName)} ·{' '}
                        {p.currentVersion ? `version ${p.currentVersion}` : 'not published yet'}
                      </Text>
                    </Stack>
                    <Group gap="xs">
                      {p.needsAcknowledgement ? (
                        <Badge color="orange.9" variant="filled" autoContrast>
                          Please acknowledge
                        </Badge>
                      ) : p.myAcknowledgedVersion ? (
                        <Badge color="teal.9" variant="filled" autoContrast>
                          Acknowledged v{p.myAcknowledgedVersion}
                        </Badge>
                      ) : null}
                      {p.canManage ? (
                        <Badge color="gray.8" variant="outline">
                          You manage this
                        </Badge>
                      ) : null}
                    </Group>
                  </Group>
                </Card>
              ))}
            </Stack>
          );
        }}
      </QueryStates>
      {creating ? <CreatePlaybook onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}

const FIELDS = ['name', 'scope'] as const;

function CreatePlaybook({ onClose }: { onClose: () => void }) {
  const me = useSession();
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const navigate = useNavigate();
  const client = useQueryClient();
  const teams = useQuery(teamsQuery);
  const all = teams.data ?? [];
  const reachable = new Set<string>();
  for (const t of all)
    if (me.role === 'admin' || t.managers.some((m) => m.id === me.user.id))
      for (const id of subtreeIds(all, t.id)) reachable.add(id);
  const manageable = all.filter((t) => reachable.has(t.id));
  const [name, setName] = useState('');
  const [type, setType] = useState<'role' | 'team'>(me.role === 'admin' ? 'role' : 'team');
  const [role, setRole] = useState<Role>('rep');
  const [teamId, setTeamId] = useState<string | null>(null);
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const create = useMutation({
    mutationFn: () =>
      createPlaybook({
        name,
        scope: type === 'role' ? { type: 'role', role } : { type: 'team', teamId: teamId ?? '' },
        document: { summary: '', responsibilities: [], targets: [], metrics: [] },
      }),
    onSuccess: async (p) => {
      await client.invalidateQueries({ queryKey: PLAYBOOKS_KEY });
      notifySuccess(`${p.name} created as a draft`);
      void navigate(`/playbooks/${p.id}`);
    },
    onError: (e) => handleError(e, 'Could not create the playbook'),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    clear();
    create.mutate();
  };
  return (
    <Modal
      opened
      onClose={onClose}
      fullScreen={phone}
      title="New playbook"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          {me.role === 'admin' ? (
            <Stack gap={4}>
              <Text size="sm" fw={500} id="pb-scope-label">
                Applies to
              </Text>
              <SegmentedControl
                aria-labelledby="pb-scope-label"
                data={[
                  { value: 'role', label: 'A role' },
                  { value: 'team', label: 'A team' },
                ]}
                value={type}
                onChange={(v) => setType(v as 'role' | 'team')}
              />
            </Stack>
          ) : null}
          {type === 'role' ? (
            <Select
              label="Role"
              data={[
                { value: 'rep', label: 'Reps' },
                { value: 'manager', label: 'Managers' },
                { value: 'admin', label: 'Admins' },
              ]}
              value={role}
              onChange={(v) => v && setRole(v as Role)}
              allowDeselect={false}
              error={errors.scope}
            />
          ) : (
            <Select
              label="Team"
              data={teamOptions(manageable)}
              value={teamId}
              onChange={setTeamId}
              searchable
              error={errors.scope}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconLogin2, IconLogout2, IconMapPin } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { LatLng } from '../../../shared/geo.ts';
import { ApiError, apiGet } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/locale.ts';
import { errorMessage, notifyError, notifySuccess } from '../../lib/notify.ts';
import { loadOffline, saveOffline } from '../../lib/offline-cache.ts';
import { useSession } from '../../lib/session-context.ts';
import { VerifiedBadge, visitCheck } from './activity-bits.tsx';
import { ACCOUNTS_KEY, CRM_KEY, fetchNearby } from './crm-api.ts';
import { formatDistance } from './crm-format.ts';
import type { Account, Activity, CrmPage } from './crm-types.ts';
import { rankVisitCandidates, type VisitCandidate } from './nearby.ts';
import { sendVisitOp } from './outbox-sync.ts';
import { OutboxList } from './outbox-view.tsx';
import {
  buildCheckIn,
  buildCheckOut,
  loadOpenVisit,
  type OpenVisit,
  readGpsFix,
  saveOpenVisit,
} from './visit-log.ts';

/** The phone's position when the user has already allowed it (no prompt on page load). */
function useKnownPosition(): { position: LatLng | null; locate: () => void; locating: boolean } {
  const [position, setPosition] = useState<LatLng | null>(null);
  const [locating, setLocating] = useState(false);

  function locate(): void {
    setLocating(true);
    void readGpsFix().then((fix) => {
      setLocating(false);
      if (fix) setPosition({ lat: fix.lat, lng: fix.lng });
    });
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: asks once, on mount
  useEffect(() => {
    let cancelled = false;
    const permissions = typeof navigator !== 'undefined' ? navigator.permissions : undefined;
    if (!permissions?.query) return;
    permissions
      .query({ name: 'geolocation' })
      .then((status) => {
        if (!cancelled && status.state === 'granted') locate();
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  return { position, locate, locating };
}

/**
 * "Log a visit" on the home screen: nearby accounts (by GPS) or the planned ones (most overdue
 * first). One tap checks in, the outcome is typed, one tap checks out.
 */
export function VisitPanel() {
  const me = useSession();
  const queryClient = useQueryClient();
  const { position, locate, locating } = useKnownPosition();
  const [openVisit, setOpenVisit] = useState<OpenVisit | null>(() => loadOpenVisit(me.user.id));
  const [outcome, setOutcome] = useState('');
  const [lastVisit, setLastVisit] = useState<Activity | null>(null);
  const [lastQueued, setLastQueued] = useState<string | null>(null);

  const planned = useQuery({
    queryKey: [...ACCOUNTS_KEY, 'planned', me.user.id],
    // Tried even when the browser says offline: the answer then comes from the device's copy.
    networkMode: 'offlineFirst',
    queryFn: async () => {
      // Kept on the device (per user, wiped on sign-out) so that visits can be logged offline.
      const cacheKey = `plannedAccounts:${me.user.id}`;
      try {
        const page = await apiGet<CrmPage<Account>>('/api/crm/accounts', {
          ownerId: me.user.id,
          status: 'active',
          sort: 'lastActivityAt',
          dir: 'asc',
          limit: 10,
        });
        saveOffline(cacheKey, page);
        return page;
      } catch (error) {
        const cached =
          error instanceof ApiError && error.status === 0 ? loadOffline<CrmPage<Account>>(cacheKey) : null;
        if (cached) return cached;
        throw error;
      }
    },
  });
  const nearby = useQuery({
    queryKey: [...ACCOUNTS_KEY, 'nearby', position?.lat.toFixed(3), position?.lng.toFixed(3)],
    queryFn: () => fetchNearby(position!.lat, position!.lng),
    enabled: position !== null,
  });
  const showNearby = position !== null && (nearby.data?.items.length ?? 0) > 0;
  const candidates: VisitCandidate[] = rankVisitCandidates(
    showNearby ? (nearby.data?.items ?? []) : (planned.data?.items ?? []),
    position,
  ).slice(0, 8);

  const checkIn = useMutation({
    // Runs offline too: sendVisitOp queues the op in the outbox instead of failing.
    networkMode: 'always',
    mutationFn: async (account: Account) => {
      const fix = await readGpsFix(5000);
      const op = buildCheckIn(account, fix, new Date());
      return { op, fix, result: await sendVisitOp(op, me.user.id) };
    },
    onSuccess: ({ op, fix, result }, account) => {
      const activity = result.status === 'sent' ? result.activity : null;
      // Queued (offline): the visit is open all the same; verification comes when the server has it.
      const visit: OpenVisit = activity
        ? {
            activityId: activity.id,
            accountId: account.id,
            accountName: account.name,
            checkedInAt: activity.checkIn?.at ?? activity.occurredAt,
            verified: activity.verified,
            distanceM: activity.distanceM,
            hadFix: visitCheck(activity).hadFix,
          }
        : {
            activityId: op.body.id,
            accountId: account.id,
            accountName: account.name,
            checkedInAt: op.body.occurredAt,
            verified: null,
            distanceM: null,
            hadFix: fix !== null,
          };
      saveOpenVisit(me.user.id, visit);
      setOpenVisit(visit);
      setOutcome('');
      setLastVisit(null);
      setLastQueued(null);
    },
    onError: (error) => notifyError(error, 'Could not check in'),
  });

  const checkOut = useMutation({
    // Runs offline too: sendVisitOp queues the op in the outbox instead of failing.
    networkMode: 'always',
    mutationFn: async (visit: OpenVisit) => {
      const fix = await readGpsFix(5000);
      return sendVisitOp(buildCheckOut(visit.activityId, outcome, fix, new Date()), me.user.id);
    },
    onSuccess: async (result, visit) => {
      saveOpenVisit(me.user.id, null);
      setOpenVisit(null);
      setOutcome('');
      if (result.status === 'queued') {
        setLastVisit(null);
        setLastQueued(visit.accountName);
        notifySuccess('Visit saved on this phone: it syncs when the connection returns');
        return;
      }
      setLastQueued(null);
      setLastVisit(result.activity);
      notifySuccess('Visit logged');
      // Lists, the account's last activity and its timeline all change.
      await queryClient.invalidateQueries({ queryKey: CRM_KEY });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 404) {
        // The visit was deleted meanwhile (or is no longer ours): nothing is left to check out of.
        saveOpenVisit(me.user.id, null);
        setOpenVisit(null);
      }
      notifyError(error, 'Could not check out');
    },
  });

  return (
    <Card
      withBorder
      padding="md"
      radius="md"
      component="section"
      aria-labelledby="visit-title"
      data-testid="visit-panel"
    >
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Title order={2} size="h4" id="visit-title">
          {openVisit ? `At ${openVisit.accountName}` : 'Log a visit'}
        </Title>
        {!openVisit && position === null ? (
          <Button
            size="compact-sm"
            variant="subtle"
            leftSection={<IconMapPin size={14} aria-hidden />}
            onClick={locate}
            loading={locating}
          >
            Nearby
          </Button>
        ) : null}
      </Group>
      {openVisit ? (
        <Stack gap="sm" data-testid="open-visit">
          <Group gap="xs">
            <Text size="sm" c="dimmed">
              Checked in {formatDateTime(openVisit.checkedInAt, me.org.timeZone)}
            </Text>
            <VerifiedBadge
              verified={openVisit.verified}
              distanceM={openVisit.distanceM}
              hadFix={openVisit.hadFix}
            />
          </Group>
          <Textarea
            label="Outcome"
            placeholder="What happened, what is next"
            autosize
            minRows={3}
            value={outcome}
            onChange={(event) => setOutcome(event.currentTarget.value)}
            data-testid="visit-outcome"
          />
          <Button
            size="md"
            leftSection={<IconLogout2 size={18} aria-hidden />}
            onClick={() => checkOut.mutate(openVisit)}
            loading={checkOut.isPending}
            data-testid="check-out"
          >
            Check out
          </Button>
        </Stack>
      ) : (
        <Stack gap="xs">
          <OutboxList />
          {lastQueued ? (
            <Alert color="gray" variant="light" data-testid="last-visit-queued">
              <Text size="sm">Saved on this phone: {lastQueued} (waiting to sync)</Text>
            </Alert>
          ) : null}
          {lastVisit ? (
            <Alert color="green" variant="light" data-testid="last-visit">
              <Group gap="xs">
                <Text size="sm">Logged: {lastVisit.account?.name ?? lastVisit.subject}</Text>
                <VerifiedBadge {...visitCheck(lastVisit)} />
              </Group>
            </Alert>
          ) : null}
          <Text size="xs" c="dimmed">
            {showNearby ? 'Nearest accounts' : 'Your accounts, longest unvisited first'}
          </Text>
          {planned.isPending || (position !== null && nearby.isPending) ? (
            <Loader size="sm" aria-label="Loading accounts" />
          ) : null}
          {planned.isError ? (
            <Alert color="red" role="alert">
              Could not load your accounts: {errorMessage(planned.error)}
            </Alert>
          ) : null}
          {!planned.isPending && candidates.length === 0 ? (
            <Text c="dimmed" size="sm">
              No accounts to visit yet. <Link to="/crm/accounts">See all accounts</Link>
            </Text>
          ) : null}
          <Stack gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {candidates.map(({ account, distanceM }) => (
              <Group
                key={account.id}
                component="li"
                justify="space-between"
                wrap="nowrap"
                gap="xs"
                data-testid="visit-candidate"
              >
                <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
                  <Text size="sm" fw={600} truncate>
                    {account.name}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {distanceM !== null ? formatDistance(distanceM) : (account.city ?? '')}
                    {account.tier ? ` · Tier ${account.tier}` : ''}
                  </Text>
                </Stack>
                <Button
                  size="sm"
                  style={{ flexShrink: 0 }}
                  leftSection={<IconLogin2 size={16} aria-hidden />}
                  onClick={() => checkIn.mutate(account)}
                  loading={checkIn.isPending && checkIn.variables?.id === account.id}
                  disabled={checkIn.isPending}
                  aria-label={`Check in at ${account.name}`}
                >
                  Check in
                </Button>
              </Group>
            ))}
          </Stack>
          {position !== null ? (
            <Badge variant="outline" color="gray" size="sm">
              GPS on
            </Badge>
          ) : null}
        </Stack>
      )}
    </Card>
  );
}

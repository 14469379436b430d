import { Badge, Tooltip } from '@mantine/core';
import { capitalize, formatDistance } from './crm-format.ts';
import type { Activity } from './crm-types.ts';

/** Verified / unverified for a visit (with the check-in distance), nothing for other kinds. */
export function VerifiedBadge({
  verified,
  distanceM,
  hadFix,
}: {
  verified: boolean | null;
  distanceM: number | null;
  /** Whether the check-in carried a GPS position. */
  hadFix: boolean;
}) {
  if (verified === null) return null;
  const distance = distanceM === null ? null : formatDistance(distanceM);
  if (verified)
    return (
      <Badge color="green" variant="dot" data-testid="visit-verified">
        Verified{distance ? ` · ${distance}` : ''}
      </Badge>
    );
  const why = !hadFix ? 'no GPS check-in' : distance ? `${distance} away` : 'account has no location';
  return (
    <Tooltip label="The check-in was not within the org's visit radius of the account">
      <Badge color="orange" variant="dot" data-testid="visit-unverified">
        Unverified · {why}
      </Badge>
    </Tooltip>
  );
}

export function visitCheck(activity: Pick<Activity, 'verified' | 'distanceM' | 'checkIn'>) {
  return {
    verified: activity.verified,
    distanceM: activity.distanceM,
    hadFix: activity.checkIn !== null && activity.checkIn.lat !== null,
  };
}

export function KindBadge({ kind }: { kind: string }) {
  return (
    <Badge variant="outline" color="gray">
      {capitalize(kind)}
    </Badge>
  );
}

import { Box, Group, Paper, Text, ThemeIcon } from '@mantine/core';
import { IconMapPin } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { clientConfigQuery } from './crm-api.ts';
import { formatCoordinates } from './crm-format.ts';

// Leaflet (and its CSS) loads only when a map with tiles is shown.
const LeafletMap = lazy(() => import('./leaflet-map.tsx'));

const HEIGHT = 220;

/**
 * A small map of one location. With a tile source configured on the server (MAP_TILE_URL) it is a
 * Leaflet map; without one it draws the pin on a plain background and fetches nothing from outside.
 */
export function AccountMap({ lat, lng, label }: { lat: number; lng: number; label: string }) {
  const config = useQuery(clientConfigQuery);
  const tileUrl = config.data?.map.tileUrl ?? null;
  const fallback = <PlainMap lat={lat} lng={lng} label={label} />;
  return (
    <Box data-testid="account-map" data-map-mode={tileUrl ? 'tiles' : 'plain'}>
      {tileUrl ? (
        <Suspense fallback={fallback}>
          <LeafletMap
            lat={lat}
            lng={lng}
            label={label}
            tileUrl={tileUrl}
            attribution={config.data?.map.attribution ?? null}
            height={HEIGHT}
          />
        </Suspense>
      ) : (
        fallback
      )}
    </Box>
  );
}

function PlainMap({ lat, lng, label }: { lat: number; lng: number; label: string }) {
  return (
    <Paper
      withBorder
      radius="md"
      h={HEIGHT}
      role="img"
      aria-label={`Location of ${label}: ${formatCoordinates(lat, lng)}`}
      style={{
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        backgroundColor: 'var(--mantine-color-gray-0)',
        backgroundImage:
          'linear-gradient(var(--mantine-color-gray-2) 1px, transparent 1px), linear-gradient(90deg, var(--mantine-color-gray-2) 1px, transparent 1px)',
        backgroundSize: '24px 24px',
      }}
    >
      <Group gap={6} wrap="nowrap">
        <ThemeIcon variant="filled" color="red" radius="xl" size="lg" aria-hidden>
          <IconMapPin size={20} />
        </ThemeIcon>
        <Text size="sm" fw={500} data-testid="map-coordinates">
          {formatCoordinates(lat, lng)}
        </Text>
      </Group>
    </Paper>
  );
}

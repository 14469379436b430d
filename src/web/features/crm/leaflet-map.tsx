import 'leaflet/dist/leaflet.css';
import { CircleMarker, MapContainer, TileLayer, Tooltip } from 'react-leaflet';

/**
 * The Leaflet map behind AccountMap (a separate chunk). A vector circle marks the place, so no
 * marker images need resolving under Vite.
 */
export default function LeafletMap({
  lat,
  lng,
  label,
  tileUrl,
  attribution,
  height,
}: {
  lat: number;
  lng: number;
  label: string;
  tileUrl: string;
  attribution: string | null;
  height: number;
}) {
  return (
    <section aria-label={`Map of ${label}`} style={{ height, borderRadius: 8, overflow: 'hidden' }}>
      <MapContainer center={[lat, lng]} zoom={15} scrollWheelZoom={false} style={{ height: '100%' }}>
        <TileLayer url={tileUrl} attribution={attribution ?? undefined} />
        <CircleMarker center={[lat, lng]} radius={9} pathOptions={{ color: '#c92a2a', fillOpacity: 0.8 }}>
          <Tooltip>{label}</Tooltip>
        </CircleMarker>
      </MapContainer>
    </section>
  );
}

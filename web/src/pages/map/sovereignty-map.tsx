import type { Answer } from '../../api/answer';
import type { SiteHealth } from './site-health';
import { countries, countryPath, countryPoint, mapHeight, mapWidth } from './world-geometry';

type Flow = Answer<'/admin/v1/usage/flows'>['flows'][number];

export interface MapSite {
  readonly id: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly health: SiteHealth;
}

/** Sites in the same country sit on a small ring around its centroid, so that none hides another. */
function placeSites(sites: readonly MapSite[]): Map<string, [number, number]> {
  const places = new Map<string, [number, number]>();
  const byCountry = new Map<string, MapSite[]>();
  for (const site of sites) byCountry.set(site.jurisdiction, [...(byCountry.get(site.jurisdiction) ?? []), site]);
  for (const [code, group] of byCountry) {
    const center = countryPoint(code);
    if (center === undefined) continue;
    group.forEach((site, i) => {
      const angle = (2 * Math.PI * i) / group.length;
      const radius = group.length === 1 ? 0 : 9;
      places.set(site.id, [center[0] + radius * Math.cos(angle), center[1] + radius * Math.sin(angle)]);
    });
  }
  return places;
}

function flowPath(from: [number, number], to: [number, number]): string {
  // A curve rather than a straight line, so that flows in opposite directions do not overlap.
  const [mx, my] = [(from[0] + to[0]) / 2, (from[1] + to[1]) / 2 - Math.hypot(to[0] - from[0], to[1] - from[1]) / 4];
  return `M${from[0]},${from[1]} Q${mx},${my} ${to[0]},${to[1]}`;
}

/**
 * The world with the organization's allowed jurisdictions shaded, every site coloured by
 * health, and its requests drawn from its home to the sites that served them, wider for more.
 * Colour is never the only carrier of a fact: the table beside the map says it all in words.
 */
export function SovereigntyMap({
  sites,
  allowed,
  home,
  flows,
}: {
  readonly sites: readonly MapSite[];
  readonly allowed: ReadonlySet<string> | 'anywhere';
  readonly home: string | undefined;
  readonly flows: readonly Flow[];
}) {
  const places = placeSites(sites);
  const homePoint = home === undefined ? undefined : countryPoint(home);
  const busiest = Math.max(1, ...flows.map((flow) => flow.requests));
  return (
    <svg
      viewBox={`0 0 ${mapWidth} ${mapHeight}`}
      className="world"
      role="img"
      aria-label="Map of sites, allowed jurisdictions and request flows"
    >
      <g className="countries">
        {countries.map((country) => (
          <path
            key={String(country.feature.id)}
            d={countryPath(country.feature) ?? undefined}
            data-country={country.code ?? undefined}
            className={country.code !== null && (allowed === 'anywhere' || allowed.has(country.code)) ? 'allowed' : ''}
          >
            <title>{country.name}</title>
          </path>
        ))}
      </g>
      <g className="flows">
        {homePoint !== undefined &&
          flows.map((flow) => {
            const to = places.get(flow.siteId);
            if (to === undefined) return null;
            return (
              <path
                key={`${flow.organizationId}:${flow.siteId}`}
                d={flowPath(homePoint, to)}
                data-flow-site={flow.siteId}
                strokeWidth={1.5 + 8 * Math.sqrt(flow.requests / busiest)}
              >
                <title>{`${flow.requests} requests to ${flow.siteId}`}</title>
              </path>
            );
          })}
      </g>
      <g className="sites">
        {sites.map((site) => {
          const place = places.get(site.id);
          if (place === undefined) return null;
          return (
            <circle key={site.id} cx={place[0]} cy={place[1]} r={6} data-site={site.id} className={site.health}>
              <title>{`${site.name} (${site.jurisdiction}): ${site.health}`}</title>
            </circle>
          );
        })}
      </g>
    </svg>
  );
}

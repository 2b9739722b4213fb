import { geoCentroid, geoNaturalEarth1, geoPath } from 'd3-geo';
import countryCodes from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';

export const mapWidth = 960;
export const mapHeight = 480;

const topology = world as unknown as Topology<{ countries: GeometryCollection }>;
const collection = feature(topology, topology.objects.countries);

export const projection = geoNaturalEarth1().fitSize([mapWidth, mapHeight], collection);
export const countryPath = geoPath(projection);

/** The countries of the map (Natural Earth at 1:110m, so the smallest states are not drawn), by ISO alpha-2 code. */
export const countries = collection.features.map((country) => ({
  code: countryCodes.numericToAlpha2(String(country.id)) ?? null,
  name: (country.properties as { name?: string } | null)?.name ?? String(country.id),
  feature: country,
}));

const byCode = new Map(countries.filter((c) => c.code !== null).map((c) => [c.code!, c.feature]));

/** Where a country sits on the map (the projection of its centroid), or undefined when the map does not draw it. */
export function countryPoint(code: string): [number, number] | undefined {
  const country = byCode.get(code);
  if (country === undefined) return undefined;
  return projection(geoCentroid(country)) ?? undefined;
}

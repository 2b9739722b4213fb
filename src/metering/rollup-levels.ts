import type { RollupDimension } from './usage-rollup-dimensions.js';

/**
 * The levels of detail each bucket is kept at: a level keeps the dimensions it lists and
 * stores '' in the others, so its rows sum everything they merge. A chart reads the
 * smallest level that keeps every dimension it filters or groups by, so that the
 * platform's total over 90 days reads 90 rows, not every combination of tenants, models
 * and sites. Ordered from the fewest rows to the most; `full` keeps everything.
 */
export const rollupLevels: readonly { readonly name: string; readonly keeps: readonly RollupDimension[] }[] =
  Object.freeze([
    { name: 'total', keeps: [] },
    { name: 'org', keeps: ['organization'] },
    { name: 'model', keeps: ['model'] },
    { name: 'site', keeps: ['site', 'jurisdiction'] },
    { name: 'outcome', keeps: ['status', 'outcome', 'errorCode'] },
    { name: 'org_model', keeps: ['organization', 'model'] },
    { name: 'org_site', keeps: ['organization', 'site', 'jurisdiction'] },
    { name: 'org_outcome', keeps: ['organization', 'status', 'outcome', 'errorCode'] },
    {
      name: 'detail',
      keeps: ['organization', 'model', 'site', 'jurisdiction', 'status', 'outcome', 'errorCode'],
    },
    {
      name: 'full',
      keeps: ['organization', 'project', 'key', 'model', 'site', 'jurisdiction', 'status', 'outcome', 'errorCode'],
    },
  ]);

/** The smallest level that keeps every dimension of `needed`. */
export function levelFor(needed: ReadonlySet<RollupDimension>): string {
  const level = rollupLevels.find((l) => [...needed].every((d) => l.keeps.includes(d)));
  return level!.name;
}

/*
 * The named jurisdiction groups every Commonweal knows, as ISO 3166-1 alpha-2 codes or
 * other groups of this file. This is reviewed data: residency decisions of every tenant
 * follow from it, so change it only in a commit of its own that cites the body's own
 * member list. Operators add their own groups through the management API instead.
 *
 * Sources, each the body's official list of members, as of November 2026:
 *   EU         European Union, "EU countries" (european-union.europa.eu): 27 members
 *              since the United Kingdom left on 2020-02-01.
 *   EFTA       European Free Trade Association, "The EFTA States" (efta.int): 4 members.
 *   EEA        Agreement on the European Economic Area, Article 2 and the accession
 *              protocols: the EU members plus Iceland, Liechtenstein and Norway
 *              (Switzerland is in EFTA but not in the EEA).
 *   FIVE_EYES  UKUSA Agreement parties: Australia, Canada, New Zealand, the United
 *              Kingdom, the United States.
 *   G7         Group of Seven: the seven member countries. The European Union takes part
 *              as a "non-enumerated member" and is not a country, so it is not listed.
 *   ASEAN      Association of Southeast Asian Nations, "Member States" (asean.org):
 *              11 members since Timor-Leste was admitted on 2025-10-26.
 *   AFRICAN_UNION  African Union, "Member States" (au.int): 55 members. The Sahrawi Arab
 *              Democratic Republic is a member and is listed under the ISO code of
 *              Western Sahara, EH. A member suspended from AU activities stays a member.
 *   GCC        Gulf Cooperation Council, Charter Article 1: 6 members.
 *
 * The African Union is AFRICAN_UNION, not AU: a two-letter code always means the ISO 3166
 * country (AU is Australia, a FIVE_EYES member), so no code in a policy is ambiguous. EU
 * is the one group named by two letters alone: ISO 3166-1 reserves it "exceptionally" for
 * the European Union itself, so it will never be assigned to a country.
 */

/** A group as this file defines it: its id, a display name and its members. */
export interface JurisdictionGroupDefinition {
  readonly id: string;
  readonly name: string;
  readonly members: readonly string[];
}

function group(id: string, name: string, members: string): JurisdictionGroupDefinition {
  return Object.freeze({ id, name, members: Object.freeze(members.trim().split(/\s+/)) });
}

export const builtInJurisdictionGroups: readonly JurisdictionGroupDefinition[] = Object.freeze([
  group('EU', 'European Union', 'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'),
  group('EFTA', 'European Free Trade Association', 'CH IS LI NO'),
  group('EEA', 'European Economic Area', 'EU IS LI NO'),
  group('FIVE_EYES', 'Five Eyes (UKUSA Agreement)', 'AU CA GB NZ US'),
  group('G7', 'Group of Seven', 'CA DE FR GB IT JP US'),
  group('ASEAN', 'Association of Southeast Asian Nations', 'BN ID KH LA MM MY PH SG TH TL VN'),
  group(
    'AFRICAN_UNION',
    'African Union',
    `AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG
     ML MR MU MW MZ NA NE NG RW SC SD SL SN SO SS ST SZ TD TG TN TZ UG ZA ZM ZW`,
  ),
  group('GCC', 'Gulf Cooperation Council', 'AE BH KW OM QA SA'),
]);

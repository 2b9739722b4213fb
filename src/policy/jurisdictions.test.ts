import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonwealError } from '../errors/index.js';
import { iso3166Alpha2 } from './iso-3166-countries.js';
import { builtInJurisdictionGroups } from './jurisdiction-group-data.js';
import { jurisdictionGroupIdPattern } from './jurisdiction-group.js';
import { Jurisdictions } from './jurisdictions.js';

const group = (id: string, members: string) => ({ id, name: id, members: members.split(' ') });

describe('the built-in groups', () => {
  it('have the member counts of their sources', () => {
    const jurisdictions = new Jurisdictions();
    const sizes = Object.fromEntries(
      builtInJurisdictionGroups.map((g) => [g.id, jurisdictions.countriesOf(g.id)?.size]),
    );
    assert.deepEqual(sizes, { EU: 27, EFTA: 4, EEA: 30, FIVE_EYES: 5, G7: 7, ASEAN: 11, AFRICAN_UNION: 55, GCC: 6 });
  });

  it('list only assigned country codes and groups, each once, under ids that can never be read as a country', () => {
    for (const definition of builtInJurisdictionGroups) {
      // EU is reserved by ISO 3166-1 for the European Union and never assigned to a country.
      if (definition.id !== 'EU') assert.match(definition.id, new RegExp(jurisdictionGroupIdPattern));
      assert.ok(!iso3166Alpha2.has(definition.id), definition.id);
      assert.equal(
        new Set(definition.members).size,
        definition.members.length,
        `${definition.id} lists a member twice`,
      );
      for (const member of definition.members) {
        assert.ok(
          iso3166Alpha2.has(member) || builtInJurisdictionGroups.some((g) => g.id === member),
          `${definition.id}: ${member}`,
        );
      }
    }
  });

  it('nest: the EEA is the EU plus Iceland, Liechtenstein and Norway, and not Switzerland', () => {
    const jurisdictions = new Jurisdictions();
    const eea = jurisdictions.countriesOf('EEA')!;
    for (const country of jurisdictions.countriesOf('EU')!) assert.ok(eea.has(country), country);
    for (const country of ['IS', 'LI', 'NO']) assert.ok(eea.has(country));
    assert.ok(!eea.has('CH'));
    assert.ok(jurisdictions.countriesOf('EFTA')!.has('CH'));
  });

  it('keep AU for Australia: the African Union is AFRICAN_UNION', () => {
    const jurisdictions = new Jurisdictions();
    assert.deepEqual([...jurisdictions.countriesOf('AU')!], ['AU']);
    assert.ok(jurisdictions.countriesOf('FIVE_EYES')!.has('AU'));
    assert.ok(!jurisdictions.countriesOf('AFRICAN_UNION')!.has('AU'));
    assert.ok(jurisdictions.countriesOf('AFRICAN_UNION')!.has('ZA'));
  });
});

describe('operator groups', () => {
  it('expand through any number of levels up to the limit', () => {
    const jurisdictions = new Jurisdictions([
      group('NORDICS', 'DK FI IS NO SE'),
      group('PARTNERS', 'NORDICS EEA CH'),
      group('WIDE', 'PARTNERS JP'),
    ]);
    const wide = jurisdictions.countriesOf('WIDE')!;
    assert.equal(wide.size, 30 + 1 + 1);
    assert.ok(wide.has('JP') && wide.has('CH') && wide.has('SE') && wide.has('AT'));
    assert.equal(jurisdictions.problemOf('WIDE'), undefined);
  });

  it('are broken, with the reason, when a member is unknown', () => {
    const jurisdictions = new Jurisdictions([group('BAD', 'DE XX'), group('USES_BAD', 'BAD FR')]);
    assert.equal(jurisdictions.countriesOf('BAD'), undefined);
    assert.match(
      jurisdictions.problemOf('BAD')!,
      /member "XX" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group/,
    );
    assert.equal(
      jurisdictions.countriesOf('USES_BAD'),
      undefined,
      'a group that contains a broken group is broken too',
    );
  });

  it('are broken when they contain themselves, directly or through others', () => {
    const jurisdictions = new Jurisdictions([
      group('LOOP_A', 'DE LOOP_B'),
      group('LOOP_B', 'FR LOOP_A'),
      group('SELF', 'SELF IT'),
      group('FINE', 'ES'),
    ]);
    for (const id of ['LOOP_A', 'LOOP_B', 'SELF']) assert.match(jurisdictions.problemOf(id)!, /contains itself/, id);
    assert.deepEqual([...jurisdictions.countriesOf('FINE')!], ['ES']);
  });

  it('may nest at most eight levels', () => {
    const chain = Array.from({ length: 9 }, (_, i) => group(`LEVEL_${i + 1}`, i === 0 ? 'DE' : `LEVEL_${i}`));
    const jurisdictions = new Jurisdictions(chain);
    assert.equal(jurisdictions.problemOf('LEVEL_8'), undefined);
    assert.match(jurisdictions.problemOf('LEVEL_9')!, /9 levels deep; at most 8/);
    // A deep chain reached first from its top does not break the shallow groups below it.
    assert.deepEqual([...jurisdictions.countriesOf('LEVEL_2')!], ['DE']);
  });

  it('never replace a built-in group', () => {
    const jurisdictions = new Jurisdictions([group('EU', 'US')]);
    assert.equal(jurisdictions.countriesOf('EU')!.size, 27);
    assert.ok(jurisdictions.isBuiltIn('EU'));
  });
});

describe('codes in policies', () => {
  it('are refused with a message naming the unknown code and where it is', () => {
    const jurisdictions = new Jurisdictions();
    jurisdictions.assertUsable(['DE', 'EU', 'G7'], 'allowedJurisdictions');
    assert.throws(
      () => jurisdictions.assertUsable(['DE', 'UK'], 'allowedJurisdictions'),
      (error: unknown) =>
        error instanceof CommonwealError &&
        error.code === 'invalid_request' &&
        error.param === 'allowedJurisdictions' &&
        error.message ===
          'allowedJurisdictions[1]: "UK" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group',
    );
  });

  it('union to the countries they cover, or name the first unusable one', () => {
    const jurisdictions = new Jurisdictions();
    const union = jurisdictions.union(['GCC', 'FR']);
    assert.ok('countries' in union && union.countries.size === 7);
    assert.deepEqual(jurisdictions.union(['FR', 'NOWHERE']), { unusable: 'NOWHERE' });
  });
});

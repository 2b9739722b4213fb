import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customGroup, policyState, rule } from '../../test/helpers/policy-state-builder.js';
import { CommonwealError } from '../errors/index.js';
import { applyPolicyChange } from './apply-policy-change.js';
import type { PolicyChange } from './policy-change.js';
import { policyRulesMax } from './policy-rule.js';
import type { PolicyState } from './policy-state.js';
import { toResidencyPolicy } from './residency-policy.js';

const stamp = { version: 2, at: '2026-02-01T00:00:00.000Z' };

function refusal(state: PolicyState, change: PolicyChange, code: string, message: RegExp, param?: string): void {
  assert.throws(
    () => applyPolicyChange(state, change, stamp),
    (error: unknown) => {
      assert.ok(error instanceof CommonwealError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      if (param !== undefined) assert.equal(error.param, param);
      return true;
    },
  );
}

describe('jurisdiction groups', () => {
  const nordics = policyState({ groups: [customGroup('NORDICS', ['DK', 'FI', 'IS', 'NO', 'SE'])] });
  const group = (id: string, members: readonly string[]): PolicyChange => ({
    kind: 'jurisdiction_group',
    group: { id, name: id, members },
  });

  it("may contain countries and groups, built-in or the operator's", () => {
    const applied = applyPolicyChange(nordics, group('PARTNERS', ['NORDICS', 'EEA', 'CH']), stamp);
    assert.deepEqual(applied.state.groups.get('PARTNERS')?.members, ['NORDICS', 'EEA', 'CH']);
    assert.deepEqual([applied.before, applied.state.version], [null, 2]);
  });

  it('refuse an unknown code, naming it', () => {
    refusal(
      nordics,
      group('PARTNERS', ['NORDICS', 'UK']),
      'invalid_request',
      /member "UK" is neither an ISO 3166-1 alpha-2 country code nor a jurisdiction group/,
      'members',
    );
  });

  it('refuse a change that would make groups contain themselves', () => {
    const two = applyPolicyChange(nordics, group('PARTNERS', ['NORDICS', 'CH']), stamp).state;
    refusal(
      two,
      group('NORDICS', ['DK', 'PARTNERS']),
      'invalid_request',
      /^members: group NORDICS contains itself \(NORDICS → PARTNERS → NORDICS\)$/,
    );
    refusal(
      nordics,
      group('SELFISH', ['SELFISH']),
      'invalid_request',
      /^members: group SELFISH contains itself \(SELFISH → SELFISH\)$/,
    );
  });

  it('leave the built-in groups to the reviewed data file', () => {
    refusal(nordics, group('EU', ['DE']), 'invalid_request', /built in/, 'id');
    refusal(
      nordics,
      { kind: 'jurisdiction_group_removal', groupId: 'EEA' },
      'invalid_request',
      /built in and cannot be deleted/,
    );
    refusal(nordics, { kind: 'jurisdiction_group_removal', groupId: 'NOWHERE' }, 'not_found', /not found/);
  });

  it('cannot go while a rule names them', () => {
    const used = policyState({
      groups: [customGroup('NORDICS', ['DK'])],
      rules: [rule('r', 'deny', { organizationJurisdictions: { notIn: ['NORDICS'] } })],
    });
    refusal(used, { kind: 'jurisdiction_group_removal', groupId: 'NORDICS' }, 'conflict', /still named by rule "r"/);
  });
});

describe('policies and rules', () => {
  it('refuse a policy naming an unknown jurisdiction, pointing at the clause', () => {
    const change: PolicyChange = {
      kind: 'organization_policy',
      organizationId: 'acme',
      policy: toResidencyPolicy({ deniedJurisdictions: ['RU', 'ATLANTIS'] }),
    };
    refusal(
      policyState({}),
      change,
      'invalid_request',
      /^deniedJurisdictions\[1\]: "ATLANTIS" is neither/,
      'deniedJurisdictions',
    );
  });

  it('refuse a rule condition naming an unknown jurisdiction, or with both or neither of in / notIn', () => {
    const ruleChange = (match: object): PolicyChange => ({
      kind: 'rule',
      rule: { id: 'r', effect: 'deny', match, reason: 'why', reference: null },
    });
    refusal(
      policyState({}),
      ruleChange({ organizationJurisdictions: { notIn: ['G7', 'G77'] } }),
      'invalid_request',
      /"G77" is neither/,
      'match.organizationJurisdictions.notIn',
    );
    refusal(
      policyState({}),
      ruleChange({ modelTags: { in: ['a'], notIn: ['b'] } }),
      'invalid_request',
      /exactly one of "in" and "notIn"/,
      'match.modelTags',
    );
    refusal(policyState({}), ruleChange({ modelTags: {} }), 'invalid_request', /exactly one/);
    refusal(policyState({}), ruleChange({ modelTags: { in: [] } }), 'invalid_request', /lists no values/);
  });

  it(`hold at most ${policyRulesMax} rules, and place a rule anywhere from first to last`, () => {
    const full = policyState({ rules: Array.from({ length: policyRulesMax }, (_, i) => rule(`r${i}`, 'allow', {})) });
    const newRule = { id: 'one-more', effect: 'deny' as const, match: {}, reason: 'why', reference: null };
    refusal(full, { kind: 'rule', rule: newRule }, 'invalid_request', /at most 1000 rules/);
    const moved = applyPolicyChange(full, { kind: 'rule', rule: { ...newRule, id: 'r999' }, position: 0 }, stamp).state
      .rules;
    assert.deepEqual([moved[0]!.id, moved[0]!.position, moved[1]!.id, moved[999]!.position], ['r999', 0, 'r0', 999]);
  });

  it('removing a project policy records the policy it had', () => {
    const state = policyState({ projects: { acme: { main: { allowedJurisdictions: ['FR'] } } } });
    const applied = applyPolicyChange(
      state,
      { kind: 'project_policy', organizationId: 'acme', projectId: 'main', policy: null },
      stamp,
    );
    assert.deepEqual([applied.subjectId, applied.organizationId, applied.after], ['acme/main', 'acme', null]);
    assert.deepEqual((applied.before as { allowedJurisdictions: string[] }).allowedJurisdictions, ['FR']);
    assert.equal(applied.state.projectPolicies.size, 0);
  });
});

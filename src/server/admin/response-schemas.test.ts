import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Deployment, Model, Site } from '../../catalog/index.js';
import type { EngineStatus } from '../../engines/index.js';
import type { LedgerTransfer, LedgerVerification, ProgramReport, Statement } from '../../ledger/index.js';
import type { BudgetView } from '../../ledger/budgets.js';
import type { FundApplication, FundProgram } from '../../ledger/fund-program.js';
import type { LedgerAccount } from '../../ledger/ledger-account.js';
import type { RateLimitRule } from '../../limits/index.js';
import type { UsageRecord } from '../../metering/index.js';
import type { ModelPull } from '../../model-files/index.js';
import type { PolicyChangeRecord, PolicyRule } from '../../policy/index.js';
import type { PolicyExplanation } from '../../policy/policy-explanation.js';
import type { JurisdictionGroupView, ResidencyPolicyView } from '../../policy/policy-service.js';
import type { PolicySimulation } from '../../policy/policy-simulation.js';
import type { ApiKey, Organization, Project } from '../../tenancy/index.js';
import type {
  DeploymentSchema,
  EngineStatusSchema,
  ModelPullSchema,
  ModelSchema,
  SiteSchema,
} from './catalog-schemas.js';
import type { BudgetSchema, RateLimitSchema, StatementSchema } from './credit-schemas.js';
import type { ApplicationSchema, ProgramReportSchema, ProgramSchema } from './fund-schemas.js';
import type { LedgerAccountSchema, LedgerTransferSchema, LedgerVerificationSchema } from './ledger-schemas.js';
import type {
  JurisdictionGroupSchema,
  PolicyChangeSchema,
  PolicyExplanationSchema,
  PolicyRuleSchema,
  PolicySimulationSchema,
  ResidencyPolicySchema,
} from './policy-view-schemas.js';
import type { ApiKeySchema, OrganizationSchema, ProjectSchema } from './tenancy-schemas.js';
import type { UsageRecordSchema } from './usage-record-schemas.js';

/**
 * True when a schema lists every field of its domain type and each field's schema type
 * is one the domain type accepts. The serializer drops any field its schema does not
 * list, so a field added to a domain type without its schema would vanish from answers.
 */
type Describes<S extends TSchema, D> = [Exclude<keyof D, keyof Static<S>>] extends [never]
  ? Static<S> extends D
    ? true
    : false
  : false;

// Each entry compiles only when its schema describes its domain type: tsc is the check.
const described = {
  organization: true satisfies Describes<typeof OrganizationSchema, Organization>,
  project: true satisfies Describes<typeof ProjectSchema, Project>,
  apiKey: true satisfies Describes<typeof ApiKeySchema, ApiKey>,
  model: true satisfies Describes<typeof ModelSchema, Model>,
  site: true satisfies Describes<typeof SiteSchema, Site>,
  deployment: true satisfies Describes<typeof DeploymentSchema, Deployment>,
  engineStatus: true satisfies Describes<typeof EngineStatusSchema, EngineStatus>,
  modelPull: true satisfies Describes<typeof ModelPullSchema, ModelPull>,
  usageRecord: true satisfies Describes<typeof UsageRecordSchema, UsageRecord>,
  ledgerAccount: true satisfies Describes<typeof LedgerAccountSchema, LedgerAccount>,
  ledgerTransfer: true satisfies Describes<typeof LedgerTransferSchema, LedgerTransfer>,
  ledgerVerification: true satisfies Describes<typeof LedgerVerificationSchema, LedgerVerification>,
  statement: true satisfies Describes<typeof StatementSchema, Statement>,
  budget: true satisfies Describes<typeof BudgetSchema, BudgetView>,
  rateLimit: true satisfies Describes<typeof RateLimitSchema, RateLimitRule>,
  program: true satisfies Describes<typeof ProgramSchema, FundProgram>,
  application: true satisfies Describes<typeof ApplicationSchema, FundApplication>,
  programReport: true satisfies Describes<typeof ProgramReportSchema, ProgramReport>,
  residencyPolicy: true satisfies Describes<typeof ResidencyPolicySchema, ResidencyPolicyView>,
  policyRule: true satisfies Describes<typeof PolicyRuleSchema, PolicyRule>,
  jurisdictionGroup: true satisfies Describes<typeof JurisdictionGroupSchema, JurisdictionGroupView>,
  policyChange: true satisfies Describes<typeof PolicyChangeSchema, PolicyChangeRecord>,
  policyExplanation: true satisfies Describes<typeof PolicyExplanationSchema, PolicyExplanation>,
  policySimulation: true satisfies Describes<typeof PolicySimulationSchema, PolicySimulation>,
};

test('every resource schema describes its domain type (checked when the test compiles)', () => {
  assert.ok(Object.values(described).every((value) => value));
});

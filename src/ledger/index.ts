export { type Budget, type BudgetPeriod, budgetPeriods, type BudgetScope, budgetScopes } from './budget.js';
export { type BudgetInput, Budgets, type BudgetView } from './budgets.js';
export { type ChargeSubject, CreditHold, type MeteredUsage } from './credit-hold.js';
export { type ApprovalInput, Fund, type ProgramInput } from './fund.js';
export { type ApplicationStatus, type FundApplication, type FundProgram } from './fund-program.js';
export { type AlsoWrite, Ledger, type LedgerOptions, type TransferResult } from './ledger.js';
export {
  grantAccountId,
  issuanceAccountId,
  type LedgerAccount,
  type LedgerAccountKind,
  type LedgerAccountSpec,
  organizationAccountId,
  programPoolAccountId,
  revenueAccountId,
} from './ledger-account.js';
export { LedgerSweeper } from './ledger-sweeper.js';
export { type LedgerTransfer, type TransferCode, transferCodes, type TransferInput, type TransferType } from './ledger-transfer.js';
export { type LedgerVerification, verifyLedger } from './ledger-verifier.js';
export { buildProgramReport, type ProgramReport, programReportCsv } from './program-report.js';
export { buildStatement, type Statement, statementCsv, type StatementLine, type StatementPeriod } from './statement.js';
export { type TokenPrices, tokenCostMicro } from './token-cost.js';

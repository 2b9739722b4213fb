import { CommonwealError } from '../errors/index.js';
import type { Kysely } from 'kysely';
import { type Database, newRecordId, type WriteTransaction } from '../store/index.js';
import { type FundApplication, type FundProgram, toFundApplication, toFundProgram } from './fund-program.js';
import { type AlsoWrite, type Ledger, ledgerInternals, type TransferResult } from './ledger.js';
import { grantAccountId, issuanceAccountId, programPoolAccountId } from './ledger-account.js';

export interface ProgramInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly defaultGrantMicro: number;
  readonly grantDurationDays: number;
  readonly eligibleModels?: readonly string[] | null | undefined;
  readonly opensAt?: string | undefined;
  readonly closesAt?: string | null | undefined;
}

export interface ApprovalInput {
  readonly amountMicro?: number | undefined;
  /** Overrides the program's grant duration, e.g. to align grants with the program's end. */
  readonly expiresAt?: string | undefined;
}

/** An application after a decision; `decided` is false when it had been decided so already and nothing changed. */
export interface Decision {
  readonly application: FundApplication;
  readonly decided: boolean;
}

const dayMs = 86_400_000;

/**
 * The joint startup fund: programs with a pool funded from issuance, applications by
 * organizations, and grants that move credits from the pool to a grant account of the
 * organization, which expire back to the pool. The changes the management API makes
 * are written in the caller's transaction, which commits them with their log leaf.
 */
export class Fund {
  readonly #ledger: Ledger;

  private constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  /** Loads every program's eligible models into the ledger, which needs them to pick a hold's accounts. */
  static async open(ledger: Ledger): Promise<Fund> {
    const fund = new Fund(ledger);
    for (const program of await fund.listPrograms()) ledger.setProgramModels(program.id, program.eligibleModels);
    return fund;
  }

  get #db() {
    return ledgerInternals(this.#ledger).db;
  }

  async listPrograms(): Promise<FundProgram[]> {
    return (await this.#db.selectFrom('fundPrograms').selectAll().orderBy('id').execute()).map(toFundProgram);
  }

  async program(id: string): Promise<FundProgram> {
    return this.#program(this.#db, id);
  }

  async #program(db: Kysely<Database>, id: string): Promise<FundProgram> {
    const row = await db.selectFrom('fundPrograms').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new CommonwealError('not_found', `program "${id}" not found`, { param: 'programId' });
    return toFundProgram(row);
  }

  async createProgram(tx: WriteTransaction, input: ProgramInput): Promise<FundProgram> {
    const id = input.id ?? newRecordId('prog');
    const existing = await tx.db.selectFrom('fundPrograms').select('id').where('id', '=', id).executeTakeFirst();
    if (existing !== undefined)
      throw new CommonwealError('already_exists', `program with id "${id}" already exists`, { param: 'id' });
    const nowIso = new Date(this.#ledger.nowMs()).toISOString();
    const row = {
      id,
      name: input.name,
      defaultGrantMicro: input.defaultGrantMicro,
      grantDurationDays: input.grantDurationDays,
      eligibleModels: input.eligibleModels == null ? null : JSON.stringify(input.eligibleModels),
      opensAt: input.opensAt === undefined ? nowIso : new Date(Date.parse(input.opensAt)).toISOString(),
      closesAt: input.closesAt == null ? null : new Date(Date.parse(input.closesAt)).toISOString(),
      createdAt: nowIso,
    };
    await this.#ledger.openAccountIn(tx, { id: programPoolAccountId(id), kind: 'program_pool', programId: id });
    await tx.db.insertInto('fundPrograms').values(row).execute();
    const program = toFundProgram(row);
    tx.afterCommit(() => this.#ledger.setProgramModels(id, program.eligibleModels));
    return program;
  }

  /** Moves credits from issuance into the program's pool. */
  async fundProgram(
    tx: WriteTransaction,
    programId: string,
    amountMicro: number,
    transferId: string,
  ): Promise<TransferResult> {
    const program = await this.#program(tx.db, programId);
    return this.#ledger.transferIn(tx, {
      id: transferId,
      debitAccountId: issuanceAccountId,
      creditAccountId: program.poolAccountId,
      amountMicro,
      code: 'fund',
      programId,
    });
  }

  async apply(
    tx: WriteTransaction,
    organizationId: string,
    programId: string,
    description: string,
  ): Promise<FundApplication> {
    const program = await this.#program(tx.db, programId);
    const nowMs = this.#ledger.nowMs();
    if (nowMs < Date.parse(program.opensAt) || (program.closesAt !== null && nowMs >= Date.parse(program.closesAt))) {
      throw new CommonwealError('conflict', `program "${programId}" does not accept applications now`, {
        param: 'programId',
      });
    }
    const open = await tx.db
      .selectFrom('fundApplications')
      .select('id')
      .where('programId', '=', programId)
      .where('organizationId', '=', organizationId)
      .where('status', 'in', ['pending', 'approved'])
      .executeTakeFirst();
    if (open !== undefined)
      throw new CommonwealError('conflict', `organization already has application "${open.id}" in this program`, {
        param: 'programId',
      });
    const row = {
      id: newRecordId('app'),
      programId,
      organizationId,
      description,
      status: 'pending',
      amountMicro: null,
      reason: null,
      grantAccountId: null,
      grantExpiresAt: null,
      decidedAt: null,
      createdAt: new Date(nowMs).toISOString(),
    };
    await tx.db.insertInto('fundApplications').values(row).execute();
    return toFundApplication(row);
  }

  async listApplications(filter: { programId?: string; organizationId?: string }): Promise<FundApplication[]> {
    let query = this.#db.selectFrom('fundApplications').selectAll().orderBy('createdAt').orderBy('id').limit(10_000);
    if (filter.programId !== undefined) query = query.where('programId', '=', filter.programId);
    if (filter.organizationId !== undefined) query = query.where('organizationId', '=', filter.organizationId);
    return (await query.execute()).map(toFundApplication);
  }

  async application(programId: string, applicationId: string): Promise<FundApplication> {
    return this.#application(this.#db, programId, applicationId);
  }

  async #application(db: Kysely<Database>, programId: string, applicationId: string): Promise<FundApplication> {
    const row = await db
      .selectFrom('fundApplications')
      .selectAll()
      .where('id', '=', applicationId)
      .where('programId', '=', programId)
      .executeTakeFirst();
    if (row === undefined)
      throw new CommonwealError('not_found', `application "${applicationId}" not found`, { param: 'applicationId' });
    return toFundApplication(row);
  }

  /**
   * Grants credits: a new grant account of the organization, pool → that account, and
   * the application marked approved, all in `tx`. Approving again with the same amount
   * returns the application as it is.
   */
  async approve(
    tx: WriteTransaction,
    programId: string,
    applicationId: string,
    input: ApprovalInput,
  ): Promise<Decision> {
    const program = await this.#program(tx.db, programId);
    const application = await this.#application(tx.db, programId, applicationId);
    const amountMicro = input.amountMicro ?? program.defaultGrantMicro;
    if (application.status === 'approved' && application.amountMicro === amountMicro)
      return { application, decided: false };
    if (application.status !== 'pending') {
      throw new CommonwealError('conflict', `application "${applicationId}" was already ${application.status}`, {
        param: 'applicationId',
      });
    }
    const nowMs = this.#ledger.nowMs();
    const expiresAt = new Date(
      input.expiresAt === undefined ? nowMs + program.grantDurationDays * dayMs : Date.parse(input.expiresAt),
    ).toISOString();
    const accountId = grantAccountId(applicationId);
    await this.#ledger.openAccountIn(tx, {
      id: accountId,
      kind: 'grant',
      organizationId: application.organizationId,
      programId,
      expiresAt,
    });
    await this.#ledger.transferIn(tx, {
      id: accountId,
      debitAccountId: program.poolAccountId,
      creditAccountId: accountId,
      amountMicro,
      code: 'grant',
      programId,
      organizationId: application.organizationId,
    });
    const decidedAt = new Date(nowMs).toISOString();
    await tx.db
      .updateTable('fundApplications')
      .set({ status: 'approved', amountMicro, grantAccountId: accountId, grantExpiresAt: expiresAt, decidedAt })
      .where('id', '=', applicationId)
      .execute();
    return { application: await this.#application(tx.db, programId, applicationId), decided: true };
  }

  async reject(tx: WriteTransaction, programId: string, applicationId: string, reason: string): Promise<Decision> {
    const application = await this.#application(tx.db, programId, applicationId);
    if (application.status === 'rejected' && application.reason === reason) return { application, decided: false };
    if (application.status !== 'pending') {
      throw new CommonwealError('conflict', `application "${applicationId}" was already ${application.status}`, {
        param: 'applicationId',
      });
    }
    const decidedAt = new Date(this.#ledger.nowMs()).toISOString();
    await tx.db
      .updateTable('fundApplications')
      .set({ status: 'rejected', reason, decidedAt })
      .where('id', '=', applicationId)
      .where('status', '=', 'pending')
      .execute();
    return { application: await this.#application(tx.db, programId, applicationId), decided: true };
  }

  /**
   * Returns the unused credits of every expired grant to its program's pool. Credits
   * held by requests in flight stay until they settle; the next sweep takes what is
   * left, and the account closes once it is empty.
   */
  async expireGrants(limit = 1000): Promise<number> {
    const nowMs = this.#ledger.nowMs();
    const internals = ledgerInternals(this.#ledger);
    const due = Array.from(internals.book.all())
      .filter((a) => a.kind === 'grant' && a.closedAt === null && a.expiresAtMs !== null && a.expiresAtMs <= nowMs)
      .slice(0, limit);
    for (const account of due) {
      const amountMicro = Math.max(0, internals.book.available(account));
      const closes =
        account.creditsPostedMicro - account.debitsPostedMicro === amountMicro &&
        account.debitsPendingMicro === 0 &&
        account.reservedMicro === 0;
      const closedAt = new Date(nowMs).toISOString();
      const close: AlsoWrite = async (tx) => {
        if (closes) await internals.closeAccount(tx, account.id, closedAt);
      };
      if (amountMicro > 0) {
        await this.#ledger.transfer(
          {
            id: `${account.id}:expiry:${nowMs}`,
            debitAccountId: account.id,
            creditAccountId: programPoolAccountId(account.programId!),
            amountMicro,
            code: 'grant_expiry',
            programId: account.programId,
            organizationId: account.organizationId,
          },
          close,
        );
      } else if (closes) {
        await this.#ledger.writer.submit((tx) => close(tx.db));
      }
      if (closes) account.closedAt = closedAt;
    }
    return due.length;
  }
}

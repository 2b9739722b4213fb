import { resolveSecretReference, SecretReferenceError } from '../../config/index.js';
import { type AdminHttpClient, CliError } from '../admin-http-client.js';
import { type DeclaredItem, secretFields } from './declared-schemas.js';
import { stepTitle } from './format-plan.js';
import type { PlanStep } from './platform-plan.js';
import { resourceKinds } from './resource-kinds.js';

/**
 * The step with its secrets read from where their references point. Done for every step
 * before the first call, so that a missing variable stops the apply before any change.
 */
function withSecrets(step: PlanStep): PlanStep {
  if (step.action === 'delete') return step;
  // A change that leaves a secret as it is does not need it, so it need not be at hand.
  const sent = (field: string) => step.action === 'create' || step.changes.some((c) => c.field === field);
  const fields = (secretFields[step.list] ?? []).filter((f) => typeof step.item[f] === 'string' && sent(f));
  if (fields.length === 0) return step;
  const item: Record<string, unknown> = { ...step.item };
  for (const field of fields) {
    try {
      item[field] = resolveSecretReference(String(step.item[field]));
    } catch (error) {
      if (!(error instanceof SecretReferenceError)) throw error;
      throw new CliError(
        `${resourceKinds[step.list].noun} ${step.key}: ${field} ${error.message}; nothing was changed`,
      );
    }
  }
  return { ...step, item: item as DeclaredItem };
}

async function run(client: AdminHttpClient, step: PlanStep): Promise<void> {
  const kind = resourceKinds[step.list];
  if (step.action === 'create') return kind.create(client, step.item);
  // A plan with a change the API cannot make is refused whole, so these throws are never reached from apply.
  if (step.action === 'delete') {
    if (typeof kind.delete === 'string') throw new CliError(kind.delete);
    return kind.delete(client, step.current);
  }
  if (typeof kind.update === 'string') throw new CliError(kind.update);
  return kind.update(
    client,
    step.item,
    step.changes.map((c) => c.field),
    step.current,
  );
}

/**
 * Carries out a plan's steps in order, printing each, and stops at the first the server
 * refuses, saying what was applied before it: the steps are separate calls, not one
 * transaction, and the next apply of the same file picks up from where this one stopped.
 */
export async function applyPlan(
  client: AdminHttpClient,
  steps: readonly PlanStep[],
  log: (line: string) => void,
): Promise<void> {
  const ready = steps.map(withSecrets);
  for (const [index, step] of ready.entries()) {
    const progress = `[${index + 1}/${ready.length}] ${stepTitle(step)}`;
    try {
      await run(client, step);
    } catch (error) {
      const done =
        index === 0
          ? 'nothing was applied before it'
          : `${index} of ${ready.length} changes were applied before it (the ones listed above)`;
      throw new CliError(`${progress} failed: ${(error as Error).message}\n${done}; the rest were not`);
    }
    log(`${progress}: done`);
  }
}

import type { FieldChange, Plan, PlanStep } from './platform-plan.js';
import { resourceKinds } from './resource-kinds.js';

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** A secret's value is never known on the server's side; the file's side is only a reference. */
function showChange(change: FieldChange): string {
  if (!change.secret) return `${change.field}: ${show(change.from)} → ${show(change.to)}`;
  const from = change.from == null ? '(none)' : '(set)';
  const to = change.to == null ? '(none)' : String(change.to);
  const again = change.from != null && change.to != null ? ' (sent again)' : '';
  return `${change.field}: ${from} → ${to}${again}`;
}

/** One line naming a step, e.g. `+ create site fra-1`. */
export function stepTitle(step: PlanStep): string {
  const what = `${resourceKinds[step.list].noun} ${step.key}`;
  if (step.action === 'create') return `+ create ${what}`;
  if (step.action === 'delete') return `- delete ${what}`;
  const note = resourceKinds[step.list].updateNote;
  return `~ update ${what}${note === undefined ? '' : ` (${note})`}`;
}

/** The plan as people read it: each step with its changed fields, what is kept, and a count. */
export function formatPlan(plan: Plan): string[] {
  const lines: string[] = [];
  for (const step of plan.steps) {
    lines.push(stepTitle(step));
    if (step.action === 'update') for (const change of step.changes) lines.push(`    ${showChange(change)}`);
  }
  for (const kept of plan.kept) lines.push(`  ${resourceKinds[kept.list].noun} ${kept.key}: ${kept.reason}`);
  const count = (action: PlanStep['action']) => plan.steps.filter((s) => s.action === action).length;
  lines.push(
    plan.steps.length === 0
      ? `no changes (${plan.unchanged} unchanged)`
      : `plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ` +
          `${plan.unchanged} unchanged`,
  );
  return lines;
}

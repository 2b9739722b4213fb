import type { VerificationStep } from './verify-receipt-bundle';

const marks = { passed: '✔', failed: '✘', 'not checked': '–' } as const;

/** Each check with its outcome in words, not colour alone. */
export function VerificationSteps({ steps }: { readonly steps: readonly VerificationStep[] }) {
  const failed = steps.find((step) => step.status === 'failed');
  return (
    <div aria-live="polite">
      <p role="status" className={failed === undefined ? 'ok' : 'error'}>
        {failed === undefined ? 'The receipt is in the log: every check passed.' : `Failed at: ${failed.title}.`}
      </p>
      <ol className="steps">
        {steps.map((step) => (
          <li key={step.title} data-status={step.status}>
            <span aria-hidden="true">{marks[step.status]}</span> <strong>{step.title}</strong> — {step.status}
            <br />
            <span className="detail">{step.detail}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

import type { TestContext } from 'node:test';

/** Set to 1 (CI does) to make a test whose service is unreachable fail instead of skip. */
export const requireServicesVariable = 'COMMONWEAL_REQUIRE_SERVICES';

const probeTimeoutMs = 5_000;

/** An outside service a test needs, and a cheap way to see that it answers. */
export interface ServiceCheck {
  /** As people call it, e.g. `PostgreSQL`. */
  readonly name: string;
  /** Where the test expects it, e.g. `127.0.0.1:5432`. */
  readonly address: string;
  probe(): Promise<void>;
}

/**
 * Lets a test that needs PostgreSQL, Redis or the like run wherever the service answers.
 * Where it does not, the test is skipped with the reason, so a developer without the
 * service still gets a green run of everything else; with COMMONWEAL_REQUIRE_SERVICES=1
 * it fails instead, so CI can never pass by skipping what it was meant to test.
 *
 * Resolves true when the test should go on, false when it has been skipped.
 */
export async function requireService(
  t: TestContext,
  service: ServiceCheck,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  try {
    await withTimeout(service.probe(), probeTimeoutMs);
    return true;
  } catch (error) {
    const reason = `${service.name} not reachable at ${service.address}: ${describeError(error)}`;
    if (env[requireServicesVariable] === '1') {
      throw new Error(`${reason} (${requireServicesVariable}=1 makes this a failure, not a skip)`, { cause: error });
    }
    t.skip(reason);
    return false;
  }
}

async function withTimeout(probe: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Node reports a refused connection to a name with several addresses as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}

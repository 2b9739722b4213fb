/**
 * Ends a bench script with the outcome of its run: status 0 once `run` resolves, 1 with
 * the error printed once it rejects. The exit is explicit so that a child process or a
 * socket still open cannot keep a finished run alive.
 */
export function exitWhenDone(run: Promise<void>): void {
  run.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

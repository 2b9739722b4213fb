const microPerCredit = 1_000_000;

/**
 * Micro-credits as credits for reading. The ledger's amounts are exact integers; this
 * division is for display only and never goes back to the server.
 */
export function formatCredits(micro: number): string {
  return (micro / microPerCredit).toLocaleString(undefined, { maximumFractionDigits: 6 });
}

/** Credits typed by a person (up to six decimals) as exact micro-credits, or undefined when it is not a number. */
export function parseCredits(text: string): number | undefined {
  const match = /^\s*(\d{1,12})(?:\.(\d{1,6}))?\s*$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * microPerCredit + Number((match[2] ?? '').padEnd(6, '0'));
}

export function formatDate(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? '—' : new Date(iso).toLocaleString();
}

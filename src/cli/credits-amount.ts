import { InvalidArgumentError } from 'commander';

const microPerCredit = 1_000_000;

/** Parses credits as typed, e.g. `12.5`, into whole micro-credits without going through a float. */
export function parseCredits(value: string): number {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('not an amount of credits (up to 6 decimals, e.g. 12.5)');
  return Number(match[1]) * microPerCredit + Number((match[2] ?? '').padEnd(6, '0'));
}

/** Micro-credits as credits with six decimals, e.g. `12.500000`, exactly. */
export function formatCredits(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  return `${sign}${Math.floor(abs / microPerCredit)}.${String(abs % microPerCredit).padStart(6, '0')}`;
}

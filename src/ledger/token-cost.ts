/** Prices as the catalog keeps them: micro-credits per million tokens. */
export interface TokenPrices {
  readonly inputPriceMicroPerMtok: number;
  readonly outputPriceMicroPerMtok: number;
}

const tokensPerMtok = 1_000_000n;

/**
 * The cost of a number of tokens, rounded up to a whole micro-credit, so that a request
 * never costs less than its tokens. Computed on bigints: a long prompt times a high
 * price passes 2^53 before the division brings it back. A cost beyond what a number holds
 * exactly (a client asking for 10^15 tokens) becomes the largest safe integer, which no
 * balance covers, so that such a hold is refused with 402 rather than failing.
 */
export function tokenCostMicro(prices: TokenPrices, promptTokens: number, completionTokens: number): number {
  const exact = promptTokens * prices.inputPriceMicroPerMtok + completionTokens * prices.outputPriceMicroPerMtok;
  // Below 2^53 the numbers are exact, and the division cannot round a fraction onto a whole number: the common case, without bigints.
  if (Number.isSafeInteger(exact)) return Math.ceil(exact / 1_000_000);
  const numerator =
    BigInt(promptTokens) * BigInt(prices.inputPriceMicroPerMtok) +
    BigInt(completionTokens) * BigInt(prices.outputPriceMicroPerMtok);
  const cost = (numerator + tokensPerMtok - 1n) / tokensPerMtok;
  return cost > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cost);
}

import { type StringOptions, type TString, Type } from '@sinclair/typebox';

/** The schema keyword that carries a pattern's meaning: an OpenAPI extension, ignored by validators. */
const expectedKeyword = 'x-expected';

/**
 * A string schema with a pattern and what the pattern asks for in words, such as "an ISO
 * 3166-1 alpha-2 country code such as DE". A validation error then says that, not
 * `must match pattern "^[A-Z]{2}$"`, which asks a person to read a regular expression.
 */
export function patternString(pattern: string, expected: string, options: StringOptions = {}): TString {
  return Type.String({ ...options, pattern, [expectedKeyword]: expected });
}

/** The words of a schema made by `patternString`, for the message of a value that does not match it. */
export function patternExpectation(schema: unknown): string | undefined {
  const expected = (schema as Record<string, unknown> | undefined)?.[expectedKeyword];
  return typeof expected === 'string' ? expected : undefined;
}

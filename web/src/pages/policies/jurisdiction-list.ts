/** "DE, FR, EU" as the API's list of codes; an empty text is an empty list. */
export function parseJurisdictions(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code !== '');
}

export const showJurisdictions = (codes: readonly string[] | null) => (codes === null ? 'anywhere' : codes.join(', '));

import type { Answer } from '../api/answer';

/** What a group of requests used, as every rollup answer gives it. */
export type Figures = Answer<'/admin/v1/console/overview'>['totals'];

export const errorRate = (figures: Figures) =>
  figures.requests === 0 ? '—' : `${((100 * figures.errors) / figures.requests).toFixed(1)} %`;

export const milliseconds = (value: number | null) => (value === null ? '—' : `≤ ${value.toLocaleString()} ms`);

export const tokens = (figures: Figures) => (figures.promptTokens + figures.completionTokens).toLocaleString();

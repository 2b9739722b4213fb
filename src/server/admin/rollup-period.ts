import { Type } from '@sinclair/typebox';
import { CommonwealError } from '../../errors/index.js';
import type { RollupGranularity, RollupRange } from '../../metering/index.js';
import { dateOrInstant } from './common-schemas.js';

const unitMs: Readonly<Record<RollupGranularity, number>> = Object.freeze({ hour: 3_600_000, day: 86_400_000 });

/** The most buckets one answer spans: a month by hour, a bit more than a year by day. */
export const bucketsMax: Readonly<Record<RollupGranularity, number>> = Object.freeze({ hour: 744, day: 400 });

export const PeriodProperties = {
  from: dateOrInstant('start of the period; rounded down to its bucket (a bare date is midnight UTC)'),
  to: dateOrInstant('end of the period, excluded; rounded up to a bucket boundary'),
  bucket: Type.Union([Type.Literal('hour'), Type.Literal('day')], {
    default: 'hour',
    description: 'bucket size, in UTC: at most 744 hourly or 400 daily buckets per answer',
  }),
};

export const PeriodAnswer = {
  from: Type.String({ description: 'the start of the first bucket' }),
  to: Type.String({ description: 'the end of the last bucket' }),
  bucket: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
};

/** Rollups hold whole buckets, so a period is widened to the buckets it touches, and its length is bounded. */
export function rollupRange(query: { from: string; to: string; bucket: RollupGranularity }): RollupRange {
  const unit = unitMs[query.bucket];
  const fromMs = Math.floor(Date.parse(query.from) / unit) * unit;
  const toMs = Math.ceil(Date.parse(query.to) / unit) * unit;
  if (!(Date.parse(query.to) > Date.parse(query.from)))
    throw new CommonwealError('invalid_request', 'to must be later than from', { param: 'to' });
  if ((toMs - fromMs) / unit > bucketsMax[query.bucket]) {
    throw new CommonwealError(
      'invalid_request',
      `a period may span at most ${bucketsMax[query.bucket]} ${query.bucket} buckets; use bucket=day or a shorter period`,
      { param: 'to' },
    );
  }
  return { granularity: query.bucket, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { patternString } from '../../config/index.js';
import { validationError } from './request-validation.js';

const patternError = (parentSchema: unknown) => ({
  keyword: 'pattern',
  instancePath: '/code',
  schemaPath: '#/properties/code/pattern',
  params: { pattern: '^[A-Z]{2}$' },
  message: 'must match pattern "^[A-Z]{2}$"',
  parentSchema,
});

test('a pattern error says what the pattern expects, or at least never quotes it', () => {
  const worded = validationError('body', [patternError(patternString('^[A-Z]{2}$', 'two capitals such as DE'))]);
  assert.deepEqual([worded.message, worded.param], ['code must be two capitals such as DE', 'code']);
  const bare = validationError('body', [patternError(Type.String({ pattern: '^[A-Z]{2}$' }))]);
  assert.equal(bare.message, 'code is not in the form this field takes');
});

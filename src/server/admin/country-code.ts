import { CommonwealError } from '../../errors/index.js';
import { isCountryCode } from '../../policy/index.js';

/** The schema checks the shape; this checks that the code is an assigned country. */
export function assertCountryCode(value: string | undefined, param: string): void {
  if (value !== undefined && !isCountryCode(value)) {
    throw new CommonwealError('invalid_request', `${param}: "${value}" is not an ISO 3166-1 alpha-2 country code`, {
      param,
    });
  }
}

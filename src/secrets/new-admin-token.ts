import { randomTokenBody } from './token-hash.js';

/** A fresh admin token: the prefix says what it is when one turns up in a log or a shell history. */
export function newAdminToken(): string {
  return `cw_admin_${randomTokenBody(40)}`;
}

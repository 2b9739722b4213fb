import { CommonwealError } from '../errors/index.js';
import type { Store } from './store.js';

/** Runs an insert and answers a duplicate primary key as `already_exists` naming the record. */
export async function insertUnique(
  store: Store,
  what: string,
  id: string,
  insert: () => Promise<unknown>,
): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (store.constraintViolation(error) === 'unique') {
      throw new CommonwealError('already_exists', `${what} with id "${id}" already exists`, { param: 'id' });
    }
    throw error;
  }
}

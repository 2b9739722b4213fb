import type { WriteTransaction } from '../store/index.js';
import type { AdminChangeInput } from './admin-change.js';

/**
 * What an admin change wrote: the answer for its caller, and the change as its log leaf
 * records it, or null when the request repeated one already made (an idempotent id) and
 * changed nothing, which adds no leaf.
 */
export interface AdminWrite<T> {
  readonly result: T;
  readonly change: AdminChangeInput | null;
}

/**
 * Writes one admin change in `tx` and reports it. Like every job of the group-commit
 * writer it may run more than once and only the run that commits counts; a refusal is a
 * thrown `CommonwealError`, which fails this job alone and leaves no leaf.
 */
export type AdminChangeJob<T> = (tx: WriteTransaction) => Promise<AdminWrite<T>>;

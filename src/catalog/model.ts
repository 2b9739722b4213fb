import type { Selectable } from 'kysely';
import type { ModelsTable } from '../store/index.js';

/** A catalog entry: the public name clients send as `model`, and what is known about it. */
export interface Model {
  readonly object: 'model';
  readonly id: string;
  readonly family: string | null;
  /** Who made or published the weights, e.g. `Alibaba Cloud (Qwen)`. */
  readonly origin: string | null;
  /** An SPDX identifier or a license name. */
  readonly license: string | null;
  readonly parameterCount: number | null;
  readonly contextLength: number | null;
  readonly inputPriceMicroPerMtok: number;
  readonly outputPriceMicroPerMtok: number;
  readonly tags: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function toModel(row: Selectable<ModelsTable>): Model {
  return {
    object: 'model',
    ...row,
    parameterCount: row.parameterCount === null ? null : Number(row.parameterCount),
    inputPriceMicroPerMtok: Number(row.inputPriceMicroPerMtok),
    outputPriceMicroPerMtok: Number(row.outputPriceMicroPerMtok),
    tags: JSON.parse(row.tags) as string[],
  };
}

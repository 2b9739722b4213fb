import type { Model } from '../catalog/index.js';

/** A catalog entry in OpenAI's model shape, with Commonweal's provenance alongside. */
export function toOpenAiModel(model: Model): Record<string, unknown> {
  return {
    id: model.id,
    object: 'model',
    created: Math.floor(Date.parse(model.createdAt) / 1000),
    owned_by: model.origin ?? 'commonweal',
    family: model.family,
    license: model.license,
    context_length: model.contextLength,
  };
}

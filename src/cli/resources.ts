import {
  parseAccelerators,
  parseBoolean,
  parseEngineOptions,
  parseInteger,
  parseList,
  parseNullableText,
} from './option-parsers.js';
import type { ResourceSpec } from './resource-command.js';

const id = { header: 'id', value: (r: Record<string, unknown>) => r.id };
const created = { header: 'created', value: (r: Record<string, unknown>) => r.createdAt };

export const organizationsSpec: ResourceSpec = {
  name: 'orgs',
  singular: 'organization',
  summary: 'organizations (tenants): each has a home jurisdiction and projects',
  inOrganization: false,
  collection: 'orgs',
  supportsUpdate: true,
  columns: [
    id,
    { header: 'name', value: (r) => r.name },
    { header: 'home', value: (r) => r.homeJurisdiction },
    created,
  ],
  fields: [
    { flags: '--id <id>', description: 'id to use (generated when omitted)', field: 'id', createOnly: true },
    { flags: '--name <name>', description: 'display name', field: 'name', requiredOnCreate: true },
    {
      flags: '--home-jurisdiction <code>',
      description: 'ISO 3166-1 alpha-2 country, e.g. DE',
      field: 'homeJurisdiction',
      requiredOnCreate: true,
    },
  ],
};

export const projectsSpec: ResourceSpec = {
  name: 'projects',
  singular: 'project',
  summary: "an organization's projects; keys and usage belong to a project",
  inOrganization: true,
  collection: 'projects',
  supportsUpdate: true,
  columns: [id, { header: 'name', value: (r) => r.name }, created],
  fields: [
    { flags: '--id <id>', description: 'id to use (generated when omitted)', field: 'id', createOnly: true },
    { flags: '--name <name>', description: 'display name', field: 'name', requiredOnCreate: true },
  ],
};

export const keysSpec: ResourceSpec = {
  name: 'keys',
  singular: 'API key',
  summary: 'API keys: project keys call /v1, org_admin keys manage their organization',
  inOrganization: true,
  collection: 'keys',
  supportsUpdate: false,
  deleteVerb: 'revoke',
  columns: [
    id,
    { header: 'prefix', value: (r) => `${String(r.prefix)}…` },
    { header: 'role', value: (r) => r.role },
    { header: 'project', value: (r) => r.projectId },
    { header: 'name', value: (r) => r.name },
    { header: 'expires', value: (r) => r.expiresAt },
    { header: 'revoked', value: (r) => r.revokedAt },
  ],
  fields: [
    { flags: '--project <id>', description: 'the project the key calls for (project keys)', field: 'projectId' },
    { flags: '--role <role>', description: 'project (default) or org_admin', field: 'role' },
    { flags: '--name <name>', description: 'a name to recognise the key by', field: 'name' },
    { flags: '--expires-at <time>', description: 'ISO 8601 expiry, e.g. 2027-12-31T00:00:00Z', field: 'expiresAt' },
  ],
  listFilters: [{ flags: '--project <id>', description: 'only keys of this project', query: 'projectId' }],
  afterCreate: (_record, json) => {
    if (!json) console.error(`\nThe secret above is shown once and cannot be recovered: store it now.`);
  },
};

export const modelsSpec: ResourceSpec = {
  name: 'models',
  singular: 'model',
  summary: 'the model catalog: public names, provenance, license and prices',
  inOrganization: false,
  collection: 'models',
  supportsUpdate: true,
  columns: [
    id,
    { header: 'family', value: (r) => r.family },
    { header: 'license', value: (r) => r.license },
    { header: 'params', value: (r) => r.parameterCount },
    { header: 'context', value: (r) => r.contextLength },
    { header: 'in µ/Mtok', value: (r) => r.inputPriceMicroPerMtok },
    { header: 'out µ/Mtok', value: (r) => r.outputPriceMicroPerMtok },
    { header: 'tags', value: (r) => r.tags },
  ],
  fields: [
    {
      flags: '--id <id>',
      description: 'public model name, e.g. qwen2.5-7b-instruct',
      field: 'id',
      requiredOnCreate: true,
      createOnly: true,
    },
    { flags: '--family <family>', description: 'e.g. qwen2.5', field: 'family', parse: parseNullableText },
    { flags: '--origin <origin>', description: 'who published the weights', field: 'origin', parse: parseNullableText },
    {
      flags: '--license <license>',
      description: 'SPDX id or license name',
      field: 'license',
      parse: parseNullableText,
    },
    {
      flags: '--parameter-count <n>',
      description: 'number of parameters',
      field: 'parameterCount',
      parse: parseInteger,
    },
    {
      flags: '--context-length <n>',
      description: 'context window in tokens',
      field: 'contextLength',
      parse: parseInteger,
    },
    {
      flags: '--input-price <micro>',
      description: 'micro-credits per million input tokens',
      field: 'inputPriceMicroPerMtok',
      parse: parseInteger,
      requiredOnCreate: true,
    },
    {
      flags: '--output-price <micro>',
      description: 'micro-credits per million output tokens',
      field: 'outputPriceMicroPerMtok',
      parse: parseInteger,
      requiredOnCreate: true,
    },
    { flags: '--tags <list>', description: 'comma-separated tags', field: 'tags', parse: parseList },
  ],
};

export const sitesSpec: ResourceSpec = {
  name: 'sites',
  singular: 'site',
  summary: 'data centers: jurisdiction, location, accelerators, power',
  inOrganization: false,
  collection: 'sites',
  supportsUpdate: true,
  columns: [
    id,
    { header: 'name', value: (r) => r.name },
    { header: 'jurisdiction', value: (r) => r.jurisdiction },
    { header: 'city', value: (r) => r.city },
    {
      header: 'accelerators',
      value: (r) =>
        (r.accelerators as { vendor: string; type: string; count: number }[]).map(
          (a) => `${a.count}x ${a.vendor} ${a.type}`,
        ),
    },
    { header: 'power kW', value: (r) => r.powerKw },
  ],
  fields: [
    { flags: '--id <id>', description: 'site id, e.g. fra-1', field: 'id', requiredOnCreate: true, createOnly: true },
    { flags: '--name <name>', description: 'display name', field: 'name', requiredOnCreate: true },
    {
      flags: '--jurisdiction <code>',
      description: 'ISO 3166-1 alpha-2 country, e.g. DE',
      field: 'jurisdiction',
      requiredOnCreate: true,
    },
    { flags: '--region <region>', description: 'region or state', field: 'region', parse: parseNullableText },
    { flags: '--city <city>', description: 'city', field: 'city', parse: parseNullableText },
    {
      flags: '--accelerators <list>',
      description:
        'vendor:type:count items, e.g. nvidia:H200:8,huawei:Ascend 910B:16 (vendors: nvidia amd huawei intel cpu other)',
      field: 'accelerators',
      parse: parseAccelerators,
    },
    { flags: '--power-kw <n>', description: 'power capacity in kW', field: 'powerKw', parse: parseInteger },
  ],
};

export const deploymentsSpec: ResourceSpec = {
  name: 'deployments',
  singular: 'deployment',
  summary:
    'model servers: a model served at a site by an engine (vLLM, SGLang, llama.cpp, Ollama, TGI …, or embedded in Commonweal)',
  inOrganization: false,
  collection: 'deployments',
  supportsUpdate: true,
  columns: [
    id,
    { header: 'model', value: (r) => r.modelId },
    { header: 'site', value: (r) => r.siteId },
    { header: 'kind', value: (r) => r.kind },
    { header: 'base url / source', value: (r) => r.baseUrl ?? r.source },
    { header: 'weight', value: (r) => r.weight },
    { header: 'enabled', value: (r) => r.enabled },
  ],
  fields: [
    { flags: '--id <id>', description: 'deployment id', field: 'id', requiredOnCreate: true, createOnly: true },
    {
      flags: '--model <id>',
      description: 'catalog model id',
      field: 'modelId',
      requiredOnCreate: true,
      createOnly: true,
    },
    { flags: '--site <id>', description: 'site id', field: 'siteId', requiredOnCreate: true, createOnly: true },
    {
      flags: '--kind <kind>',
      description:
        'engine kind: openai (any OpenAI-compatible server) or embedded (a GGUF model run by Commonweal itself)',
      field: 'kind',
      createOnly: true,
      defaultOnCreate: 'openai',
    },
    {
      flags: '--base-url <url>',
      description: "the server's OpenAI base URL, e.g. http://10.0.0.5:8000/v1",
      field: 'baseUrl',
    },
    {
      flags: '--source <ref>',
      description: 'embedded: the GGUF file, an absolute path or hf:<user>/<repo>/<file>.gguf',
      field: 'source',
    },
    {
      flags: '--engine-options <list>',
      description:
        'embedded: key=value items, e.g. contextSize=4096,gpuLayers=auto,parallelSequences=2,threads=8 ("none" clears them)',
      field: 'engineOptions',
      parse: parseEngineOptions,
    },
    {
      flags: '--upstream-model <name>',
      description: 'the model name the server expects, if not the catalog id',
      field: 'upstreamModel',
      parse: parseNullableText,
    },
    {
      flags: '--upstream-api-key <key>',
      description: 'API key the server requires (stored encrypted, never shown)',
      field: 'upstreamApiKey',
      parse: parseNullableText,
    },
    {
      flags: '--weight <n>',
      description: 'relative share of traffic, 1-1000 (default 100)',
      field: 'weight',
      parse: parseInteger,
    },
    { flags: '--enabled <bool>', description: 'true or false', field: 'enabled', parse: parseBoolean },
  ],
  listFilters: [
    { flags: '--model <id>', description: 'only deployments of this model', query: 'modelId' },
    { flags: '--site <id>', description: 'only deployments at this site', query: 'siteId' },
  ],
};

export { applyPlan } from './apply-plan.js';
export { platformApiVersion, platformKind, platformLists } from './declared-schemas.js';
export { exportPlatform } from './export-platform.js';
export { formatPlan } from './format-plan.js';
export { planChanges } from './platform-plan.js';
export { readPlatformFile } from './read-platform-file.js';
export { readPlatformState } from './read-platform-state.js';

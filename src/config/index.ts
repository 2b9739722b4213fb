export { defaultCliServer, loadCliSettings, type CliSettings } from './cli-settings.js';
export { ConfigError, loadServerConfig } from './load-server-config.js';
export { type ServerConfig, serverConfigDefaults } from './server-config.js';
export { patternExpectation, patternString } from './pattern-string.js';
export {
  resolveSecretReference,
  SecretReference,
  SecretReferenceError,
  secretVariableFor,
} from './secret-reference.js';

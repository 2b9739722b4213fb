export { cliSettingsFile, loadCliSettings, type CliSettings } from './cli-settings.js';
export { ConfigError, loadServerConfig, type ServerConfigOverrides } from './load-server-config.js';
export { type ServerConfig, ServerConfigSchema, serverConfigDefaults } from './server-config.js';

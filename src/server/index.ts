export { createAppServer, type InferenceHandler, type ServerParts } from './create-server.js';
export { writeError } from './write-error.js';

export { createAppServer } from './create-server.js';
export { type DrainReport, ServerDrain } from './server-drain.js';

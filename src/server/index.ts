export { createAppServer } from './create-server.js';

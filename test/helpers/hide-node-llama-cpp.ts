import { register } from 'node:module';

/*
 * Loaded into a child process with `NODE_OPTIONS=--import <this file>` (see
 * hideNodeLlamaCppOptions in spawn-cli.ts), it makes the child run as if node-llama-cpp
 * were not installed, whether or not this machine has it. Never import it in a test
 * process: it would hide the package there too.
 */
register('./node-llama-cpp-hidden-hooks.js', import.meta.url);

#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { CliError } from './admin-http-client.js';
import { commonwealProgram } from './commonweal-program.js';

try {
  await commonwealProgram().parseAsync();
} catch (error) {
  if (error instanceof CliError || error instanceof ConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
  if (error instanceof CommanderError) process.exit(error.exitCode);
  throw error;
}

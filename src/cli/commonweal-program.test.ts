import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { commonwealProgram } from './commonweal-program.js';

function* everyCommand(command: Command, path: string): Generator<[string, Command]> {
  yield [path, command];
  for (const child of command.commands) yield* everyCommand(child, `${path} ${child.name()}`);
}

test('every command, option and argument of commonweal says what it is', () => {
  const missing: string[] = [];
  for (const [path, command] of everyCommand(commonwealProgram(), 'commonweal')) {
    if (command.description().trim() === '') missing.push(path);
    for (const option of command.options) if (option.description.trim() === '') missing.push(`${path} ${option.flags}`);
    for (const argument of command.registeredArguments) {
      if (argument.description.trim() === '') missing.push(`${path} <${argument.name()}>`);
    }
  }
  assert.deepEqual(missing, [], 'without a description');
});

/*
 * "a" before a vowel sound, or "an" before a consonant, in what --help prints. Words that
 * start with a vowel letter but sound a consonant (a unique, a user, a one) and acronyms
 * read letter by letter (an API, an ISO code) are told apart by these two patterns.
 */
const aBeforeVowel = /\ba (?:[aeio](?!ne\b)|u(?:n(?!i)|p)|API\b|ISO\b|HTTP\b|LLM\b|SSE\b|MB\b)/i;
const anBeforeConsonant = /\ban (?![aeiou]|API\b|ISO\b|HTTP\b|LLM\b|SSE\b|MB\b|hour\b)[a-z]/i;

test('no --help of commonweal puts "a" before a vowel sound or "an" before a consonant', () => {
  const wrong: string[] = [];
  for (const [path, command] of everyCommand(commonwealProgram(), 'commonweal')) {
    // Help wraps at the terminal's width, so an article and its noun may be on two lines.
    const help = command.helpInformation().replace(/\s+/g, ' ');
    for (const pattern of [aBeforeVowel, anBeforeConsonant]) {
      const found = pattern.exec(help);
      if (found !== null) wrong.push(`${path}: …${help.slice(Math.max(0, found.index - 30), found.index + 30)}…`);
    }
  }
  assert.deepEqual(wrong, []);
});

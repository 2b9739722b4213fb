import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/* The repository's own documents, read as a reader of the repository gets them. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
const documents = ['README.md', ...docs.map((name) => `docs/${name}`)];

function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** The lines inside fenced code blocks: the commands a reader copies. */
function fencedLines(text: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inside = !inside;
    else if (inside) lines.push(line);
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation but hyphens dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

test('no documented command resolves a package by name from the registry at run time', () => {
  for (const path of documents) {
    for (const line of fencedLines(read(path))) {
      assert.doesNotMatch(line, /\bnpx\s+(?!--no-install\b)/, `${path}: ${line}`);
    }
  }
});

test('every relative link in the documents points at a file or heading inside the repository', () => {
  let checked = 0;
  for (const path of documents) {
    const text = read(path);
    const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      checked += 1;
      const [file, anchor] = target!.split('#');
      if (file === '') {
        assert.ok(anchors.has(anchor!), `${path}: no heading for #${anchor}`);
        continue;
      }
      const resolved = resolve(root, dirname(path), file!);
      assert.ok(!relative(root, resolved).startsWith('..'), `${path}: ${target} is outside the repository`);
      assert.ok(existsSync(resolved), `${path}: ${target} does not exist`);
    }
  }
  assert.ok(checked > 10, `only ${checked} links found`);
});

test("the LICENSE file holds the license package.json names, with no other project's copyright", () => {
  assert.equal((JSON.parse(read('package.json')) as { license: string }).license, 'Apache-2.0');
  const license = read('LICENSE');
  assert.match(license, /^\s*Apache License\s+Version 2\.0, January 2004\s/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  // In the terms, a line that starts with the word is a notice: the appendix's template alone.
  const notices = license.split('\n').filter((text) => /^\s*Copyright\s/.test(text));
  assert.deepEqual(notices, ['   Copyright [yyyy] [name of copyright owner]']);
});

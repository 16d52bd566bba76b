import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Every ```ts block of the READMEs and the docs is a complete module that must
 * compile against the packages' public types, with the repository's compiler
 * flags. A block fenced as ```ts fragment is skipped.
 *
 * The blocks are written under node_modules/.cache so that `@sluice/*`,
 * `inversify` and `reflect-metadata` resolve as in a user's project: through the
 * workspace links to each package's `dist` types. So this runs after `tsc -b`
 * (which `npm test` does first).
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = path.join(root, 'node_modules', '.cache', 'sluice-docs');

interface CodeBlock {
  /** The markdown file, relative to the repository root. */
  readonly markdown: string;
  /** 1-based line in the markdown of the block's first code line. */
  readonly line: number;
  readonly code: string;
  /** Where the block is written for the compiler. */
  readonly file: string;
}

function markdownFiles(): string[] {
  const found: string[] = [];
  const add = (relative: string): void => {
    if (existsSync(path.join(root, relative))) found.push(relative);
  };
  add('README.md');
  for (const group of ['packages', 'samples']) {
    const dir = path.join(root, group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) add(`${group}/${entry.name}/README.md`);
    }
  }
  const walk = (relative: string): void => {
    const dir = path.join(root, relative);
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.md')) found.push(child);
    }
  };
  walk('docs');
  return found.sort();
}

/**
 * The ```ts (or ```typescript) fenced blocks of a markdown text, per CommonMark
 * fences: up to three spaces of indent, three or more backticks or tildes, closed
 * by a run of the same character at least as long.
 */
function typescriptBlocks(text: string): Array<{ line: number; code: string }> {
  const lines = text.split(/\r?\n/);
  const blocks: Array<{ line: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    if (fence[0] === '`' && info.includes('`')) continue; // not a fence: an inline code span
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end]!)) end++;
    const [language = '', ...attributes] = info.trim().split(/\s+/);
    if ((language === 'ts' || language === 'typescript') && !attributes.includes('fragment')) {
      const body = lines.slice(i + 1, end).map((l) => l.replace(new RegExp(`^ {0,${indent.length}}`), ''));
      blocks.push({ line: i + 2, code: body.join('\n') + '\n' });
    }
    i = end;
  }
  return blocks;
}

const files = markdownFiles();
const blocks: CodeBlock[] = files.flatMap((markdown) =>
  typescriptBlocks(readFileSync(path.join(root, markdown), 'utf8')).map((block) => ({
    markdown,
    ...block,
    file: path.join(outDir, `${markdown.replace(/[/.]/g, '_')}_L${block.line}.ts`),
  })),
);

describe('code blocks in the docs', () => {
  const problems = new Map<string, string[]>();

  beforeAll(() => {
    for (const pkg of ['core', 'sse']) {
      if (!existsSync(path.join(root, 'packages', pkg, 'dist', 'index.d.ts'))) {
        throw new Error(`packages/${pkg}/dist is missing: the docs compile against the built types. Run \`npx tsc -b\` first.`);
      }
    }
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    // Blocks are ES modules (top-level await), as in an app with "type": "module".
    writeFileSync(path.join(outDir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    for (const block of blocks) writeFileSync(block.file, block.code);
    const tsconfig = {
      extends: path.relative(outDir, path.join(root, 'tsconfig.base.json')),
      compilerOptions: {
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        isolatedModules: true,
        rootDir: '.',
      },
      files: blocks.map((block) => path.basename(block.file)),
    };
    const configPath = path.join(outDir, 'tsconfig.json');
    writeFileSync(configPath, JSON.stringify(tsconfig, null, 2));

    const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    });
    if (config === undefined) throw new Error(`could not read ${configPath}`);
    const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
    const byFile = new Map(blocks.map((block) => [path.resolve(block.file), block]));
    for (const diagnostic of [...config.errors, ...ts.getPreEmitDiagnostics(program)]) {
      const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      const block = diagnostic.file === undefined ? undefined : byFile.get(path.resolve(diagnostic.file.fileName));
      if (block === undefined || diagnostic.start === undefined) {
        // A problem outside the blocks (options, the packages' types): every file fails with it.
        const where = diagnostic.file === undefined ? '' : `${path.relative(root, diagnostic.file.fileName)}: `;
        for (const markdown of files) problems.set(markdown, [...(problems.get(markdown) ?? []), `${where}${message}`]);
        continue;
      }
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
      const list = problems.get(block.markdown) ?? [];
      list.push(`${block.markdown}:${block.line + line} (block at line ${block.line - 1}): ${message}`);
      problems.set(block.markdown, list);
    }
  });

  it('finds the code blocks (README.md has at least one)', () => {
    expect(blocks.some((block) => block.markdown === 'README.md')).toBe(true);
  });

  for (const markdown of files) {
    const count = blocks.filter((block) => block.markdown === markdown).length;
    it(`${markdown}: every ts block compiles (${count})`, () => {
      expect(problems.get(markdown) ?? []).toEqual([]);
    });
  }
});

describe('typescriptBlocks', () => {
  it('takes ts and typescript fences, skips fragments and other languages, and keeps line numbers', () => {
    const text = [
      '# Title', // 1
      '```ts', // 2
      'const a = 1;', // 3
      '```', // 4
      '```ts fragment', // 5
      'a;', // 6
      '```', // 7
      '```sh', // 8
      'npm test', // 9
      '```', // 10
      '~~~~typescript', // 11
      '```', // 12
      'const b = 2;', // 13
      '~~~~', // 14
      '  ```ts', // 15
      '  const c = 3;', // 16
      '  ```', // 17
    ].join('\n');
    expect(typescriptBlocks(text)).toEqual([
      { line: 3, code: 'const a = 1;\n' },
      { line: 12, code: '```\nconst b = 2;\n' },
      { line: 16, code: 'const c = 3;\n' },
    ]);
  });
});

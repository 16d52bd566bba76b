import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// @sluice/core's folders, bottom to top: a module may import from its own folder and
// the ones below it, never above (shared types live low, in contracts/). With the
// file-level cycle check (scripts/check-import-cycles.mjs) this keeps dependencies
// running one way. Top-level files (errors.ts, index.ts) are layers of their own.
const coreLayers = ['errors', 'http', 'contracts', 'routing', 'decorators', 'static', 'pipeline', 'server', 'plugins', 'builder', 'index'];

function coreLayerRules() {
  return coreLayers.slice(0, -1).map((layer, index) => {
    const above = coreLayers.slice(index + 1).join('|');
    const topLevel = layer === 'errors';
    return {
      files: [topLevel ? `packages/core/src/${layer}.ts` : `packages/core/src/${layer}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^${topLevel ? '\\.' : '\\.\\.'}/(${above})(/|\\.js$)`,
                message: `core/src/${layer} sits below ${coreLayers.slice(index + 1).join(', ')} and must not import them (see coreLayers in eslint.config.js).`,
              },
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off',
    },
  },
  ...coreLayerRules(),
  {
    // The samples' pages: plain browser JavaScript, no build step.
    files: ['samples/*/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        EventSource: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        requestAnimationFrame: 'readonly',
      },
    },
  },
);

// Lint rules, and the one architectural rule: the core stays pure (no fs, network, terminal, CLI or Action).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'node_modules/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:fs', 'node:fs/*', 'fs', 'fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process', 'node:process'], message: 'src/core is pure: do I/O in src/io.' },
            { group: ['undici', 'yargs', 'yargs/*', '@actions/*', 'picocolors', 'fast-glob', 'write-file-atomic'], message: 'src/core is pure: adapters live in src/io, src/cli and src/action.' },
            { group: ['../io/*', '../cli/*', '../action/*', '../engine.js', '../apply.js'], message: 'src/core must not depend on the shell around it.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core is pure: pass values in.' }, { name: 'console', message: 'src/core prints nothing.' }],
    },
  },
);

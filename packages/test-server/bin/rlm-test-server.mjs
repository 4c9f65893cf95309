#!/usr/bin/env node
// The `rlm-test-server` command. Published, it runs the built dist/cli.mjs. Inside the repository
// (where src/ exists and dist/ may be stale or missing) it runs the TypeScript source through tsx,
// so tests and the other packages' end-to-end runs need no build step.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli.mjs');
}

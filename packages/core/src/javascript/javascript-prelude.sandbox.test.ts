import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('embeds javascript-prelude.sandbox.js as it is now (after editing it, run this package’s build)', () => {
  const script = fileURLToPath(new URL('../../../../scripts/embed-sandbox-sources.mjs', import.meta.url));
  const packageDirectory = fileURLToPath(new URL('../../', import.meta.url));
  expect(() =>
    execFileSync(process.execPath, [script, '--check', packageDirectory], { stdio: 'pipe' }),
  ).not.toThrow();
});

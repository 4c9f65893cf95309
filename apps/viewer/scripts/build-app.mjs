// Bundles the page (src/app/main.tsx) and its reader (src/app/worker.ts) for the browser into
// dist/viewer-app/, beside the server's dist/index.mjs, with the stylesheet and index.html.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'viewer-app');
mkdirSync(out, { recursive: true });

const shared = {
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // @rlm/core is imported for its types only; its sources, not its build, are what the workspace reads.
  conditions: ['@rlm/source', 'browser', 'import', 'default'],
  legalComments: 'none',
  logLevel: 'warning',
};
await build({ ...shared, entryPoints: [join(root, 'src/app/main.tsx')], outfile: join(out, 'app.js') });
await build({ ...shared, entryPoints: [join(root, 'src/app/worker.ts')], outfile: join(out, 'worker.js') });
copyFileSync(join(root, 'src/app/styles.css'), join(out, 'app.css'));
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rlm view</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`,
);

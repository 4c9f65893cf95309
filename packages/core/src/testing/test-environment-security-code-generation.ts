import { expect } from 'vitest';
import { expectSessionUnharmed, OBJECT_CONTEXT, type SecurityCheck } from './test-environment-security-kit';
import { fileUrl } from './test-environment-security-traps';

// Making code from strings.

export const CODE_GENERATION_CHECKS: readonly SecurityCheck[] = [
  {
    title: 'eval, Function and the async and generator Function constructors reach only the sandbox’s global',
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed: /what code made from strings reached: .*(ANOTHER GLOBAL|with process)/,
    },
    async run(kit) {
      const session = await kit.open({ context: OBJECT_CONTEXT });
      const result = await session.run(
        `{
const reachedBy = {
  'indirect eval': (0, eval)('this'),
  'eval inside Function': Function('return eval("this")')(),
  'Function': Function('return this')(),
  'new Function': new Function('return this')(),
  'AsyncFunction': await (async () => {}).constructor('return this')(),
  'GeneratorFunction': (function* () {}).constructor('yield this')().next().value,
  'AsyncGeneratorFunction': (await (async function* () {}).constructor('yield this')().next()).value,
  'Function of context': context.constructor.constructor('return this')(),
  'Function of llm_query': llm_query.constructor('return this')(),
  'Function of a host result': (await echo('x')).constructor.constructor('return this')(),
  'Function of FINAL': FINAL.constructor('return this')(),
};
const lines = [];
for (const [label, reached] of Object.entries(reachedBy)) {
  const capabilities = ['process', 'require', 'module', 'Buffer', 'Deno', 'Bun', 'std', 'os'].filter((name) => {
    try { return typeof reached[name] !== 'undefined'; } catch (error) { return true; }
  });
  lines.push(label + ': ' + (reached === globalThis ? 'this sandbox' : 'ANOTHER GLOBAL') + (capabilities.length ? ' with ' + capabilities.join(', ') : ''));
}
console.log(lines.join('\\n'));
}`,
      );
      expect(result.error).toBeUndefined();
      const labels = [
        'indirect eval',
        'eval inside Function',
        'Function',
        'new Function',
        'AsyncFunction',
        'GeneratorFunction',
        'AsyncGeneratorFunction',
        'Function of context',
        'Function of llm_query',
        'Function of a host result',
        'Function of FINAL',
      ];
      const reachedElsewhere = result.stdout
        .trim()
        .split('\n')
        .filter((line) => !line.endsWith(': this sandbox'));
      expect(reachedElsewhere, `what code made from strings reached: ${reachedElsewhere.join('; ')}`).toEqual(
        [],
      );
      expect(result.stdout, 'what code made from strings reached').toBe(
        `${labels.map((label) => `${label}: this sandbox`).join('\n')}\n`,
      );
      await expectSessionUnharmed(session, 'object undefined');
    },
  },
  {
    title: 'import() loads nothing: no built-in module, file, URL, data: URL or package',
    failsWhenHostIsExposed: true,
    catches: { hostExposed: /what import\(\) loaded: expected 'loaded / },
    async run(kit) {
      const session = await kit.open();
      const { traps } = kit;
      const specifiers = [
        'fs',
        'node:fs',
        'node:child_process',
        fileUrl(traps.secretModule),
        traps.secretModule,
        './secret.mjs',
        `${traps.listenerUrl}/import.mjs`,
        'data:text/javascript,globalThis.dataModuleRan = true; export default 1;',
        'npm:left-pad',
        'jsr:@std/fs',
      ];
      const result = await session.run(
        `const outcomes = [];
for (const specifier of ${JSON.stringify(specifiers)}) {
  try { await import(specifier); outcomes.push('loaded ' + specifier); } catch (error) { outcomes.push('refused'); }
}
console.log(outcomes.join(' '), typeof dataModuleRan, typeof remoteCodeRan);`,
        { timeoutMs: 30_000 },
      );
      expect(result.error).toBeUndefined();
      expect(result.stdout, 'what import() loaded').toBe(
        `${specifiers.map(() => 'refused').join(' ')} undefined undefined\n`,
      );
      await expectSessionUnharmed(session);
    },
  },
];

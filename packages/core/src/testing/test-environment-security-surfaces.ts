import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import type { JsonValue } from '../environment/context-value';
import type { CellResult } from '../environment/repl-environment';
import { expectSessionUnharmed, type SecurityCheck } from './test-environment-security-kit';
import { linesContaining } from './test-environment-security-oracles';
import { fileUrl, type SecurityTraps } from './test-environment-security-traps';
import type { ConformanceSession } from './test-environment-session';

/**
 * One way hostile code may try to reach a host capability: the body of an async function of
 * `target` (a path, URL or variable name chosen by the surface) that returns what it got. It may use
 * `S`, the probe's settings (`S.node`: the host's Node binary; `S.port`: the listener's port).
 */
export interface AttackRoute {
  /** Short name shown in the probe's outcome lines, e.g. `require("fs")`. */
  readonly name: string;
  readonly code: string;
  /**
   * The real runtimes that have this API, as the route calls it. Core's own test proves each route
   * against stand-ins wired to the host's real capabilities; a route no real runtime has would prove
   * only that stand-in, so every route names at least one (and routes of APIs that are gone, such as
   * Deno 1's `Deno.run`, are dropped).
   */
  readonly realIn: readonly RealRuntime[];
  /** The targets of this route when they differ from its surface's. */
  targets?(traps: SecurityTraps): JsonValue[];
}

/** Runtimes whose APIs the routes use: Node, Deno 2, Bun, QuickJS's `qjs` (`std`/`os`), browsers and their workers. */
export type RealRuntime = 'node' | 'deno' | 'bun' | 'qjs' | 'browser';

/** What one probe found. */
export interface ProbeEvidence {
  readonly result: CellResult;
  /** One outcome line per attempt: `<route> <target> => refused` or `… => returned <what>`. */
  readonly outcomes: readonly string[];
  /** How many attempts the cell made; every one must have reported an outcome. */
  readonly attempts: number;
  /** Each way the host saw something get through. Empty when nothing did. */
  readonly breaches: readonly string[];
}

/** A host capability hostile code reaches for, the routes it may take, and how the host tells it got through. */
export interface AttackSurface {
  /** What the attack tries to do, as in "cannot <name>". */
  readonly name: string;
  readonly routes: readonly AttackRoute[];
  /** Runs `routes` (default: all) in one cell of `session` and gathers the evidence. */
  probe(
    session: ConformanceSession,
    traps: SecurityTraps,
    routes?: readonly AttackRoute[],
  ): Promise<ProbeEvidence>;
}

/** A planned attempt: one route against one target. */
interface Attempt {
  readonly label: string;
  readonly route: AttackRoute;
  readonly target: JsonValue;
}

/** Long enough for every refused attempt; a route that hangs fails the probe at this timeout. */
const PROBE_TIMEOUT_MS = 30_000;
/** Time the host waits after a probe for effects that arrive late (a write or a connection in flight). */
const SETTLE_MS = 200;

/** How much of what an attempt returned the probe prints from its start. */
export const SHOWN_HEAD_CHARS = 4_000;

/**
 * Builds the probe cell: every attempt runs in its own `try`, so one refusal cannot hide the next,
 * and prints one outcome line. What an attempt returns is printed, so a secret it read shows up in the
 * output, where the host looks for it: its first {@link SHOWN_HEAD_CHARS} characters, and then, from
 * the whole of it however long, the text around every occurrence of each of `settings.needles`
 * (text that is not secret but stands next to a secret: the canary's name, the secrets' prefixes).
 * So a breach shows up even when what the route returned is long (a whole environment of a host
 * with many variables) and the secret is far from its start.
 */
export function buildProbeCell(attempts: readonly Attempt[], settings: Record<string, JsonValue>): string {
  const lines = [
    '{',
    `const S = ${JSON.stringify(settings)};`,
    'const outcomes = [];',
    'const show = (value) => {',
    '  let text;',
    "  try { text = String(typeof value === 'string' ? value : JSON.stringify(value)); }",
    '  catch (error) { return typeof value; }',
    `  let shown = text.slice(0, ${SHOWN_HEAD_CHARS});`,
    '  for (const needle of S.needles || []) {',
    `    let at = text.indexOf(needle, ${SHOWN_HEAD_CHARS} - needle.length);`,
    '    for (let found = 0; at !== -1 && found < 20; found++) {',
    "      shown += ' …' + text.slice(Math.max(0, at - 200), at + needle.length + 200);",
    '      at = text.indexOf(needle, at + needle.length);',
    '    }',
    '  }',
    '  return shown;',
    '};',
    'const script = (marker) => "require(\'fs\').writeFileSync(" + JSON.stringify(marker) + ", \'\')";',
    'const attempt = async (label, run, target) => {',
    "  try { outcomes.push(label + ' => returned ' + show(await run(target))); }",
    "  catch (error) { outcomes.push(label + ' => refused'); }",
    '};',
  ];
  for (const { label, route, target } of attempts) {
    lines.push(
      `await attempt(${JSON.stringify(label)}, async (target) => {\n${route.code}\n}, ${JSON.stringify(target)});`,
    );
  }
  lines.push("console.log(outcomes.join('\\n'));", '}');
  return lines.join('\n');
}

function plan(
  routes: readonly AttackRoute[],
  traps: SecurityTraps,
  targets: (traps: SecurityTraps) => JsonValue[],
) {
  return routes.flatMap((route) =>
    (route.targets ?? targets)(traps).map((target) => ({
      label: `${route.name} ${JSON.stringify(target)}`,
      route,
      target,
    })),
  );
}

/**
 * Text that stands next to a secret wherever a route could return one, and is no secret itself: the
 * canary's name and the prefixes of the canary's and the secret file's random values.
 */
function needlesOf(traps: SecurityTraps): string[] {
  const prefix = (value: string) => value.slice(0, value.lastIndexOf('-') + 1);
  return [traps.canaryName, prefix(traps.canaryValue), prefix(traps.secret)].filter(
    (needle) => needle.length > 0,
  );
}

async function runProbe(session: ConformanceSession, traps: SecurityTraps, attempts: readonly Attempt[]) {
  const cell = buildProbeCell(attempts, {
    node: process.execPath,
    port: traps.listenerPort,
    needles: needlesOf(traps),
  });
  const result = await session.run(cell, { timeoutMs: PROBE_TIMEOUT_MS, maxOutputChars: 1_000_000 });
  const outcomes = result.stdout.split('\n').filter((line) => line.includes(' => '));
  return { result, outcomes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A surface whose breach shows up as a secret in the cell's output: the host looks for every secret
 * in every text the result carries.
 */
function secretSurface(
  name: string,
  routes: readonly AttackRoute[],
  targets: (traps: SecurityTraps) => JsonValue[],
  secrets: (traps: SecurityTraps) => string[],
): AttackSurface {
  return {
    name,
    routes,
    async probe(session, traps, chosen = routes) {
      const attempts = plan(chosen, traps, targets);
      const { result, outcomes } = await runProbe(session, traps, attempts);
      const breaches = secrets(traps).flatMap((secret) =>
        linesContaining(result, secret).map((line) => `the secret showed up: ${line}`),
      );
      return { result, outcomes, attempts: attempts.length, breaches };
    },
  };
}

/** A surface whose breach leaves a file behind: each attempt gets a fresh path that must not exist after. */
function fileEffectSurface(name: string, routes: readonly AttackRoute[]): AttackSurface {
  return {
    name,
    routes,
    async probe(session, traps, chosen = routes) {
      const attempts = chosen.map((route) => ({
        label: route.name,
        route,
        target: traps.freshPath(route.name),
      }));
      const { result, outcomes } = await runProbe(session, traps, attempts);
      await sleep(SETTLE_MS);
      const breaches = attempts
        .filter((attempt) => existsSync(attempt.target))
        .map((attempt) => `${attempt.label} created ${attempt.target}`);
      return { result, outcomes, attempts: attempts.length, breaches };
    },
  };
}

// ---- reading files ----

const READ_FILE_ROUTES: readonly AttackRoute[] = [
  {
    name: 'require("fs")',
    realIn: ['node', 'bun'],
    code: "return require('fs').readFileSync(target, 'utf8');",
  },
  {
    name: 'require("node:fs/promises")',
    realIn: ['node', 'bun'],
    code: "return await require('node:fs/promises').readFile(target, 'utf8');",
  },
  {
    name: 'process.getBuiltinModule("fs")',
    realIn: ['node'],
    code: "return process.getBuiltinModule('node:fs').readFileSync(target, 'utf8');",
  },
  {
    name: 'Function("return globalThis.process")',
    realIn: ['node', 'bun'],
    code: "return Function('return globalThis.process')().getBuiltinModule('fs').readFileSync(target, 'utf8');",
  },
  {
    name: 'import("node:fs")',
    realIn: ['node', 'bun', 'deno'],
    code: "return (await import('node:fs')).readFileSync(target, 'utf8');",
  },
  {
    name: 'import("fs")',
    realIn: ['node', 'bun'],
    code: "return (await import('fs')).default.readFileSync(target, 'utf8');",
  },
  {
    name: 'fetch(file:)',
    realIn: ['deno', 'bun'],
    code: "return await (await fetch(target.startsWith('/') ? 'file://' + target : target)).text();",
  },
  {
    name: 'XMLHttpRequest(file:)',
    realIn: ['browser'],
    code:
      'const request = new XMLHttpRequest();\n' +
      "request.open('GET', target.startsWith('/') ? 'file://' + target : target, false);\n" +
      'request.send();\n' +
      'return request.responseText;',
  },
  { name: 'Deno.readTextFileSync', realIn: ['deno'], code: 'return Deno.readTextFileSync(target);' },
  { name: 'Deno.readTextFile', realIn: ['deno'], code: 'return await Deno.readTextFile(target);' },
  {
    name: 'Deno.readFileSync',
    realIn: ['deno'],
    code: 'return new TextDecoder().decode(Deno.readFileSync(target));',
  },
  { name: 'std.loadFile', realIn: ['qjs'], code: 'return std.loadFile(target);' },
  {
    name: 'std.open',
    realIn: ['qjs'],
    code: "const file = std.open(target, 'r'); return file.readAsString();",
  },
  { name: 'Bun.file', realIn: ['bun'], code: 'return await Bun.file(target).text();' },
];

const IMPORT_FILE_ROUTES: readonly AttackRoute[] = [
  {
    name: 'import(file)',
    realIn: ['node', 'bun', 'deno'],
    code: 'return (await import(target)).default;',
    targets: (traps) => [fileUrl(traps.secretModule), traps.secretModule],
  },
  {
    name: 'require(file)',
    realIn: ['node', 'bun'],
    code: 'return require(target);',
    targets: (traps) => [traps.secretScript],
  },
];

/** Reading a file of the host: the secret file, `/etc/passwd`, the project's `package.json`; or importing a module file. */
export const READ_FILES: AttackSurface = secretSurface(
  'read a file of the host',
  [...READ_FILE_ROUTES, ...IMPORT_FILE_ROUTES],
  (traps) => [traps.secretFile, ...traps.hostFiles.map((file) => file.path)],
  (traps) => [traps.secret, ...traps.hostFiles.map((file) => file.marker)],
);

// ---- writing files ----

/** Creating a file or directory on the host. */
export const WRITE_FILES: AttackSurface = fileEffectSurface('write a file on the host', [
  {
    name: 'require("fs")',
    realIn: ['node', 'bun'],
    code: "require('fs').writeFileSync(target, 'x'); return 'written';",
  },
  {
    name: 'process.getBuiltinModule("fs")',
    realIn: ['node'],
    code: "process.getBuiltinModule('fs').writeFileSync(target, 'x'); return 'written';",
  },
  {
    name: 'import("node:fs")',
    realIn: ['node', 'bun', 'deno'],
    code: "(await import('node:fs')).writeFileSync(target, 'x'); return 'written';",
  },
  {
    name: 'Deno.writeTextFileSync',
    realIn: ['deno'],
    code: "Deno.writeTextFileSync(target, 'x'); return 'written';",
  },
  {
    name: 'Deno.writeTextFile',
    realIn: ['deno'],
    code: "await Deno.writeTextFile(target, 'x'); return 'written';",
  },
  { name: 'Deno.mkdirSync', realIn: ['deno'], code: "Deno.mkdirSync(target); return 'made';" },
  {
    name: 'std.open(w)',
    realIn: ['qjs'],
    code: "const file = std.open(target, 'w'); file.puts('x'); file.close(); return 'written';",
  },
  {
    name: 'os.open',
    realIn: ['qjs'],
    code: 'const fd = os.open(target, os.O_WRONLY | os.O_CREAT, 420); os.close(fd); return fd;',
  },
  { name: 'Bun.write', realIn: ['bun'], code: "await Bun.write(target, 'x'); return 'written';" },
]);

// ---- processes ----

/** Starting a process: each route asks the host's Node binary to create a marker file. */
export const SPAWN_PROCESSES: AttackSurface = fileEffectSurface('start a process', [
  {
    name: 'require("child_process").execFileSync',
    realIn: ['node', 'bun'],
    code: "require('child_process').execFileSync(S.node, ['-e', script(target)]); return 'spawned';",
  },
  {
    name: 'require("child_process").spawnSync',
    realIn: ['node', 'bun'],
    code: "require('child_process').spawnSync(S.node, ['-e', script(target)]); return 'spawned';",
  },
  {
    name: 'process.getBuiltinModule("child_process")',
    realIn: ['node'],
    code: "process.getBuiltinModule('child_process').execFileSync(S.node, ['-e', script(target)]); return 'spawned';",
  },
  {
    name: 'import("node:child_process")',
    realIn: ['node', 'bun', 'deno'],
    code: "(await import('node:child_process')).execFileSync(S.node, ['-e', script(target)]); return 'spawned';",
  },
  {
    name: 'Deno.Command',
    realIn: ['deno'],
    code: "new Deno.Command(S.node, { args: ['-e', script(target)] }).outputSync(); return 'spawned';",
  },
  { name: 'os.exec', realIn: ['qjs'], code: "return os.exec([S.node, '-e', script(target)]);" },
  {
    name: 'Bun.spawnSync',
    realIn: ['bun'],
    code: "Bun.spawnSync([S.node, '-e', script(target)]); return 'spawned';",
  },
]);

// ---- network ----

const CONNECT_ROUTES: readonly AttackRoute[] = [
  {
    name: 'fetch',
    realIn: ['node', 'deno', 'bun', 'browser'],
    code: 'return await (await fetch(target)).text();',
  },
  {
    name: 'XMLHttpRequest',
    realIn: ['browser'],
    code:
      'return await new Promise((resolve, reject) => {\n' +
      '  const request = new XMLHttpRequest();\n' +
      '  request.onload = () => resolve(request.responseText);\n' +
      "  request.onerror = () => reject(new Error('failed'));\n" +
      "  request.open('GET', target);\n" +
      '  request.send();\n' +
      '});',
  },
  {
    name: 'WebSocket',
    realIn: ['deno', 'bun', 'browser'],
    code:
      'return await new Promise((resolve, reject) => {\n' +
      "  const socket = new WebSocket(target.replace('http:', 'ws:'));\n" +
      "  socket.onopen = () => resolve('open');\n" +
      "  socket.onerror = () => reject(new Error('failed'));\n" +
      "  socket.onclose = () => reject(new Error('closed'));\n" +
      '});',
  },
  {
    name: 'EventSource',
    realIn: ['deno', 'browser'],
    code:
      'return await new Promise((resolve, reject) => {\n' +
      '  const source = new EventSource(target);\n' +
      "  source.onopen = () => { source.close(); resolve('open'); };\n" +
      "  source.onerror = () => { source.close(); reject(new Error('failed')); };\n" +
      '});',
  },
  {
    name: 'navigator.sendBeacon',
    realIn: ['browser'],
    code: "if (!navigator.sendBeacon(target, 'x')) throw new Error('no'); return 'sent';",
  },
  {
    name: 'import(http:)',
    realIn: ['deno', 'browser'],
    code: "return (await import(target + '.mjs')).default;",
  },
  { name: 'importScripts', realIn: ['browser'], code: 'importScripts(target); return typeof remoteCodeRan;' },
  {
    name: 'require("http")',
    realIn: ['node', 'bun'],
    code:
      'return await new Promise((resolve, reject) => {\n' +
      "  require('http').get(target, (response) => { response.resume(); resolve(response.statusCode); }).on('error', reject);\n" +
      '});',
  },
  {
    name: 'require("net")',
    realIn: ['node', 'bun'],
    code:
      'return await new Promise((resolve, reject) => {\n' +
      "  const socket = require('net').connect(S.port, '127.0.0.1', () => { socket.destroy(); resolve('connected'); });\n" +
      "  socket.on('error', reject);\n" +
      '});',
  },
  {
    name: 'Deno.connect',
    realIn: ['deno'],
    code:
      "const connection = await Deno.connect({ hostname: '127.0.0.1', port: S.port });\n" +
      "connection.close();\nreturn 'connected';",
  },
];

/** Reaching the network: every route aims at the host's listener, which records each contact. */
export const CONNECT_TO_NETWORK: AttackSurface = {
  name: 'reach the network',
  routes: CONNECT_ROUTES,
  async probe(session, traps, chosen = CONNECT_ROUTES) {
    const attempts = chosen.map((route, index) => ({
      label: route.name,
      route,
      target: `${traps.listenerUrl}/route-${index}`,
    }));
    traps.clearContacts();
    const { result, outcomes } = await runProbe(session, traps, attempts);
    await sleep(SETTLE_MS);
    const breaches = traps.contacts().map((contact) => `the listener saw: ${contact}`);
    return { result, outcomes, attempts: attempts.length, breaches };
  },
};

const LISTEN_ROUTES: readonly AttackRoute[] = [
  {
    name: 'Deno.listen',
    realIn: ['deno'],
    code:
      "const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });\n" +
      "const port = listener.addr.port;\nlistener.close();\nreturn 'listening on ' + port;",
  },
  {
    name: 'require("net").createServer',
    realIn: ['node', 'bun'],
    code:
      "const server = require('net').createServer();\n" +
      "await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });\n" +
      "const port = server.address().port;\nserver.close();\nreturn 'listening on ' + port;",
  },
];

/** Opening a listening socket: the host cannot see it, so the breach is the route reporting a port. */
export const LISTEN_ON_NETWORK: AttackSurface = {
  name: 'listen on a socket',
  routes: LISTEN_ROUTES,
  async probe(session, traps, chosen = LISTEN_ROUTES) {
    const attempts = chosen.map((route) => ({ label: route.name, route, target: null }));
    const { result, outcomes } = await runProbe(session, traps, attempts);
    const breaches = outcomes.filter((line) => line.includes('=> returned listening on'));
    return { result, outcomes, attempts: attempts.length, breaches };
  },
};

// ---- environment variables ----

/** Reading the host's environment variables: the canary's value must appear nowhere. */
export const READ_ENVIRONMENT: AttackSurface = secretSurface(
  "read the host's environment variables",
  [
    { name: 'process.env', realIn: ['node', 'bun', 'deno'], code: 'return process.env[target];' },
    {
      name: 'process.env (all)',
      realIn: ['node', 'bun', 'deno'],
      code: 'return JSON.stringify(process.env);',
    },
    {
      name: 'require("process")',
      realIn: ['node', 'bun'],
      code: "return require('process').env[target];",
    },
    {
      name: 'process.getBuiltinModule("process")',
      realIn: ['node'],
      code: "return process.getBuiltinModule('process').env[target];",
    },
    {
      name: 'import("node:process")',
      realIn: ['node', 'bun', 'deno'],
      code: "return (await import('node:process')).env[target];",
    },
    {
      name: 'Function("return process")',
      realIn: ['node', 'bun', 'deno'],
      code: "return Function('return process')().env[target];",
    },
    { name: 'Deno.env.get', realIn: ['deno'], code: 'return Deno.env.get(target);' },
    { name: 'Deno.env.toObject', realIn: ['deno'], code: 'return JSON.stringify(Deno.env.toObject());' },
    { name: 'std.getenv', realIn: ['qjs'], code: 'return std.getenv(target);' },
    { name: 'std.getenviron', realIn: ['qjs'], code: 'return JSON.stringify(std.getenviron());' },
    { name: 'Bun.env', realIn: ['bun'], code: 'return Bun.env[target];' },
  ],
  (traps) => [traps.canaryName],
  (traps) => [traps.canaryValue],
);

// ---- stopping the host ----

const STOP_ROUTES: readonly AttackRoute[] = [
  { name: 'process.exit', realIn: ['node', 'bun', 'deno'], code: "process.exit(7); return 'exit returned';" },
  { name: 'process.reallyExit', realIn: ['node'], code: "process.reallyExit(7); return 'exit returned';" },
  {
    name: 'process.abort',
    realIn: ['node', 'bun', 'deno'],
    code: "process.abort(); return 'abort returned';",
  },
  {
    name: 'process.kill',
    realIn: ['node', 'bun', 'deno'],
    code: "process.kill(process.pid, 'SIGTERM'); return 'signal sent';",
  },
  { name: 'Deno.exit', realIn: ['deno'], code: "Deno.exit(7); return 'exit returned';" },
  { name: 'std.exit', realIn: ['qjs'], code: "std.exit(7); return 'exit returned';" },
  { name: 'os.kill', realIn: ['qjs'], code: "os.kill(os.getpid(), 15); return 'signal sent';" },
];

/**
 * Ending or signalling the host process. The host survives by running on; the breach is a route that
 * did not refuse (a sandbox may fake `exit`, but then it must throw, not return).
 */
export const STOP_THE_HOST: AttackSurface = {
  name: 'stop the host process',
  routes: STOP_ROUTES,
  async probe(session, traps, chosen = STOP_ROUTES) {
    const attempts = chosen.map((route) => ({ label: route.name, route, target: null }));
    const { result, outcomes } = await runProbe(session, traps, attempts);
    const breaches = outcomes.filter((line) => line.includes('=> returned'));
    if (result.stateLost) breaches.push(`the sandbox died: ${result.stateLost}`);
    return { result, outcomes, attempts: attempts.length, breaches };
  },
};

/** Every surface the security suite probes, in the order it reports them. */
export const ATTACK_SURFACES: readonly AttackSurface[] = [
  READ_FILES,
  WRITE_FILES,
  CONNECT_TO_NETWORK,
  LISTEN_ON_NETWORK,
  READ_ENVIRONMENT,
  SPAWN_PROCESSES,
  STOP_THE_HOST,
];

/** A check per attack surface: every route of it refused, as the host sees it. */
function surfaceCheck(surface: AttackSurface): SecurityCheck {
  return {
    title: `cannot ${surface.name}, by any route (${surface.routes.map((route) => route.name).join(', ')})`,
    failsWhenHostIsExposed: true,
    catches: {
      hostExposed: new RegExp(`cannot ${surface.name}: these attempts got through: \\S`),
    },
    testTimeoutMs: 60_000,
    async run(kit) {
      const session = await kit.open();
      const evidence = await surface.probe(session, kit.traps);
      expect(evidence.result.error, 'the probe cell itself failed').toBeUndefined();
      expect(evidence.outcomes, 'every attempt reports an outcome').toHaveLength(evidence.attempts);
      expect(
        evidence.breaches,
        `cannot ${surface.name}: these attempts got through: ${evidence.breaches.join('; ').slice(0, 2_000)}`,
      ).toEqual([]);
      await expectSessionUnharmed(session);
    },
  };
}

/** A check per attack surface, in the order of {@link ATTACK_SURFACES}. */
export const HOST_CAPABILITY_CHECKS: readonly SecurityCheck[] = ATTACK_SURFACES.map(surfaceCheck);

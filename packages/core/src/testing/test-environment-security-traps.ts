import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A file of the host that no cell may read, and a line of it that shows it was read. */
export interface GuardedHostFile {
  /** As a cell would name it: absolute, or relative to the working directory. */
  readonly path: string;
  /** A line of the file, long and specific enough to appear nowhere else. */
  readonly marker: string;
}

/**
 * Things the security suite sets up on the host for sandboxed code to reach for: each one is harmless,
 * and each one tells the host when it was reached.
 */
export interface SecurityTraps {
  /** Name of an environment variable set on the host while the suite runs. */
  readonly canaryName: string;
  /** Its random value: it must never appear in anything a cell returns. */
  readonly canaryValue: string;
  /** Random text stored in {@link secretFile}, {@link secretModule} and {@link secretScript}. */
  readonly secret: string;
  /** A text file holding the secret. */
  readonly secretFile: string;
  /** An ES module (`.mjs`) whose default export is the secret. */
  readonly secretModule: string;
  /** A CommonJS script (`.cjs`) that exports the secret. */
  readonly secretScript: string;
  /** Files of the host itself (`/etc/passwd`, the nearest `package.json`), where they exist. */
  readonly hostFiles: readonly GuardedHostFile[];
  /** A fresh path in the traps' own directory, unique per call, that nothing has created. */
  freshPath(label: string): string;
  /** `http://127.0.0.1:<port>`: a local server that records every connection and request. */
  readonly listenerUrl: string;
  readonly listenerPort: number;
  /** What reached the listener so far: `connection from …`, `GET /path`, `upgrade /path`. */
  contacts(): readonly string[];
  /** Forgets the contacts seen so far. */
  clearContacts(): void;
  /** Removes the canary, the files and the listener. */
  close(): Promise<void>;
}

/** Where the canary lives in the host's `process.env`. */
export const CANARY_VARIABLE_NAME = 'RLM_SECURITY_CANARY';

/**
 * Sets up the traps: the canary environment variable (restored to what it was on `close`), the
 * secret files in a new temporary directory, and the listener on 127.0.0.1.
 */
export async function setSecurityTraps(): Promise<SecurityTraps> {
  const random = () => randomBytes(12).toString('hex');
  const canaryValue = `rlm-canary-${random()}`;
  const secret = `rlm-secret-${random()}`;
  const previousCanary = process.env[CANARY_VARIABLE_NAME];
  process.env[CANARY_VARIABLE_NAME] = canaryValue;

  const directory = mkdtempSync(join(tmpdir(), 'rlm-security-'));
  const secretFile = join(directory, 'secret.txt');
  const secretModule = join(directory, 'secret.mjs');
  const secretScript = join(directory, 'secret.cjs');
  writeFileSync(secretFile, `${secret}\n`);
  writeFileSync(secretModule, `export default ${JSON.stringify(secret)};\n`);
  writeFileSync(secretScript, `module.exports = ${JSON.stringify(secret)};\n`);
  let freshCount = 0;

  const contacts: string[] = [];
  const server = createServer((request, response) => {
    contacts.push(`${request.method ?? 'GET'} ${request.url ?? '/'}`);
    // Answer as a script, so that an import or importScripts that gets through would run it.
    response.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' });
    response.end(`globalThis.remoteCodeRan = true;\nexport default ${JSON.stringify(secret)};\n`);
  });
  server.on('connection', (socket) => {
    contacts.push(`connection from ${socket.remoteAddress ?? 'somewhere'}`);
  });
  server.on('upgrade', (request, socket) => {
    contacts.push(`upgrade ${request.url ?? '/'}`);
    socket.destroy();
  });
  const port = await listen(server);

  return {
    canaryName: CANARY_VARIABLE_NAME,
    canaryValue,
    secret,
    secretFile,
    secretModule,
    secretScript,
    hostFiles: findHostFiles(),
    freshPath(label: string) {
      freshCount++;
      return join(directory, `${label.replace(/[^a-z0-9]+/gi, '-')}-${freshCount}`);
    },
    listenerUrl: `http://127.0.0.1:${port}`,
    listenerPort: port,
    contacts: () => [...contacts],
    clearContacts() {
      contacts.length = 0;
    },
    async close() {
      if (previousCanary === undefined) delete process.env[CANARY_VARIABLE_NAME];
      else process.env[CANARY_VARIABLE_NAME] = previousCanary;
      rmSync(directory, { recursive: true, force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A `file://` URL for a path, as a cell would write it. */
export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** `/etc/passwd` and the `package.json` nearest the working directory, by absolute and relative path. */
function findHostFiles(): GuardedHostFile[] {
  const files: GuardedHostFile[] = [];
  const passwdMarker = firstLine('/etc/passwd', (line) => line.includes(':'));
  if (passwdMarker) files.push({ path: '/etc/passwd', marker: passwdMarker });
  for (let directory = process.cwd(); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    const marker = existsSync(manifest) ? firstLine(manifest, (line) => line.includes('"name"')) : undefined;
    if (marker) {
      files.push({ path: manifest, marker });
      if (directory === process.cwd()) files.push({ path: 'package.json', marker });
      break;
    }
    if (dirname(directory) === directory) break;
  }
  return files;
}

function firstLine(path: string, accept: (line: string) => boolean): string | undefined {
  try {
    const line = readFileSync(path, 'utf8')
      .split('\n')
      .map((text) => text.trim())
      .find((text) => text.length >= 8 && accept(text));
    return line;
  } catch {
    return undefined;
  }
}

import { RLMError } from '@rlm/core';
import { cliUsage, parseCliArguments } from './cli-arguments';
import { demoResponder } from './demo-script';
import { loadScript } from './load-script';
import type { RecordedRequest } from './recorded-request';
import { startTestServer } from './test-server';

// `rlm-test-server`: the test server as a process, for manual tries and end-to-end tests in another process.
async function main(): Promise<void> {
  const options = parseCliArguments(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(cliUsage);
    return;
  }
  const script = options.demo
    ? { respond: demoResponder }
    : options.script === undefined
      ? { respond: echoLastMessage }
      : await loadScript(options.script);
  const server = await startTestServer({
    ...script,
    port: options.port,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.concurrencyLimit === undefined ? {} : { concurrencyLimit: options.concurrencyLimit }),
    ...(options.log ? { onRequest: logRequest } : {}),
  });
  // The URL alone on stdout, so a parent process can read the first line and connect.
  process.stdout.write(`${server.url}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function echoLastMessage(request: RecordedRequest) {
  return { text: `echo: ${request.messages.at(-1)?.content ?? ''}` };
}

function logRequest(request: RecordedRequest): void {
  process.stderr.write(
    `${new Date(request.receivedAt).toISOString()} ${request.method} ${request.path} model=${request.model} stream=${request.stream} messages=${request.messages.length}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `rlm-test-server: ${RLMError.isInstance(error) ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exitCode = RLMError.isInstance(error) ? 2 : 1;
});

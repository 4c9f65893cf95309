import { runBenchCommand } from './bench-command';

// Ctrl-C stops starting runs and aborts the ones going; a second Ctrl-C ends the process at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

const code = await runBenchCommand({
  stdout: process.stdout,
  stderr: process.stderr,
  environment: process.env,
  signal: controller.signal,
  argv: process.argv.slice(2),
  command: ['rlm-bench', ...process.argv.slice(2)].join(' '),
});
process.exitCode = code;

import type { ContextValue } from '../environment/context-value';
import type { ReplEnvironment } from '../environment/repl-environment';
import { makeBenchmarkLines } from './benchmark-context';
import { benchmarkHostFunctions } from './benchmark-host-functions';
import { measure } from './measure';
import { type Stats, summarize } from './stats';
import { timeSessionStart } from './time-session-start';

/**
 * Times the injection of the kinds of context besides a Latin-1 string, each a row of session
 * start: a string of `megabytes` MB with one non-Latin-1 character at its end (which V8 stores as
 * UTF-16, twice the bytes), the same lines as an array of strings, and a tenth as many lines as
 * JSON records (`{ id, fields }`). The environment is not disposed.
 */
export async function benchContextKinds(
  environment: ReplEnvironment,
  options: { readonly megabytes?: number; readonly runs?: number; readonly warmup?: number } = {},
): Promise<Stats[]> {
  const megabytes = options.megabytes ?? 50;
  const characters = Math.round(megabytes * 1_000_000);
  const hostFunctions = benchmarkHostFunctions();
  const time = async (name: string, context: ContextValue, note: string) =>
    summarize(
      name,
      await measure(options.runs ?? 3, options.warmup ?? 1, () =>
        timeSessionStart(environment, { context, hostFunctions }),
      ),
      note,
    );
  const lines = makeBenchmarkLines(characters);
  const records = makeBenchmarkLines(Math.round(characters / 10))
    .split('\n')
    .map((line, index) => ({ id: index, fields: line.split(' || ') }));
  const documents = lines.split('\n');
  const jsonMb = (JSON.stringify(records).length / 1_000_000).toFixed(0);
  return [
    await time(
      `context injection (${megabytes} MB, non-Latin-1)`,
      `${lines.slice(0, -8)}Zürich €`,
      'stored as UTF-16',
    ),
    await time(`context injection (${megabytes} MB as ${documents.length} strings)`, documents, 'string[]'),
    await time(
      `context injection (${records.length} JSON records, ${jsonMb} MB of JSON)`,
      records,
      'JSON records',
    ),
  ];
}

import { groupDigits } from '@rlm/core';
import type { LoadedContext } from './load-context';

/** `rlm: context: 12 files, 1,234,567 characters (~308,642 tokens); skipped …`. */
export function describeLoadedContext(context: LoadedContext, verbose: boolean): string {
  const number = (value: number) => groupDigits(value);
  const what =
    typeof context.value === 'string'
      ? (context.documents[0]?.path ?? 'stdin')
      : `${number(context.documents.length)} file${context.documents.length === 1 ? '' : 's'}`;
  const skipped = [
    context.binarySkipped.length > 0
      ? `${context.binarySkipped.length} binary (${context.binarySkipped.slice(0, 3).join(', ')}${context.binarySkipped.length > 3 ? ', …' : ''})`
      : '',
    context.gitignored > 0 ? `${context.gitignored} gitignored` : '',
    context.skippedFolders > 0
      ? `${context.skippedFolders} .git/node_modules folder${context.skippedFolders === 1 ? '' : 's'}`
      : '',
    context.notUtf8Skipped.length > 0 ? `${context.notUtf8Skipped.length} not UTF-8` : '',
    context.excluded > 0 ? `${context.excluded} by --exclude` : '',
  ].filter(Boolean);
  let line = `rlm: context: ${what}, ${number(context.characters)} characters (~${number(context.approximateTokens)} tokens)`;
  if (skipped.length > 0) line += `; skipped ${skipped.join(', ')}`;
  if (verbose && typeof context.value !== 'string') {
    line += `\n${context.documents.map((document) => `  ${document.path} (${number(document.characters)} characters)`).join('\n')}`;
  }
  return line;
}

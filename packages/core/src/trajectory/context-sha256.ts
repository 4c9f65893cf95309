import type { ContextValue } from '../environment/context-value';
import { sortKeys } from '../util/sort-keys';
import { loadSha256, type Sha256 } from './keep-text';

/**
 * The SHA-256 of a context's content, which a resumed run checks against the one it was recorded
 * with. A string is hashed as its UTF-8 text, a list of strings document by document, any other
 * JSON as its canonical JSON (object keys in order); the kind of context is hashed too, so the text
 * `"[1]"` and the array `[1]` differ. Each document is hashed on its own, so a 100 MB list is never
 * joined into one more 100 MB string.
 */
export async function contextSha256(context: ContextValue, hash?: Sha256): Promise<string> {
  const sha256 = hash ?? (await loadSha256());
  if (typeof context === 'string') return sha256(`string\n${await sha256(context)}`);
  if (Array.isArray(context) && context.every((item) => typeof item === 'string')) {
    const hashes: string[] = [];
    for (const document of context as readonly string[]) hashes.push(await sha256(document));
    return sha256(`string[]\n${hashes.join('\n')}`);
  }
  return sha256(`json\n${await sha256(JSON.stringify(sortKeys(context)) ?? 'null')}`);
}

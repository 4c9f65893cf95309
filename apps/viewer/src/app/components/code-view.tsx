import { highlightCode } from '../highlight';

/** Code with its syntax highlighted (JavaScript or Python: the tokens they share). */
export function CodeView({ code, label }: { code: string; label?: string }) {
  return (
    <pre class="code" title={label}>
      <code>
        {highlightCode(code).map((token, index) =>
          token.kind === '' ? (
            token.text
          ) : (
            <span key={index} class={`tk-${token.kind}`}>
              {token.text}
            </span>
          ),
        )}
      </code>
    </pre>
  );
}

/** A text with every match of `query` (case-insensitive) marked; at most `limit` characters shown. */
export function MarkedText({
  text,
  query,
  limit = 200_000,
}: {
  text: string;
  query: string;
  limit?: number;
}) {
  const shown = text.length > limit ? text.slice(0, limit) : text;
  const tail = text.length > limit ? `\n… ${text.length - limit} more characters` : '';
  if (!query) return <>{shown + tail}</>;
  const lower = shown.toLowerCase();
  const needle = query.toLowerCase();
  const parts = [];
  let last = 0;
  for (
    let at = lower.indexOf(needle);
    at !== -1 && parts.length < 2000;
    at = lower.indexOf(needle, at + needle.length)
  ) {
    parts.push(shown.slice(last, at), <mark key={at}>{shown.slice(at, at + needle.length)}</mark>);
    last = at + needle.length;
  }
  parts.push(shown.slice(last) + tail);
  return <>{parts}</>;
}

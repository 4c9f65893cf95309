/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What the user hands the RLM as `context`: one text, a list of documents, or any JSON-serialisable
 * data (e.g. `[{ path, content }]`). It lives inside the REPL as the variable `context`; the root
 * model only ever sees a description of it.
 */
export type ContextValue = string | readonly string[] | JsonValue;

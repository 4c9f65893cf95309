/**
 * The raw body of each failed response, keyed by the `Headers` object that the SDK puts on its
 * error. The SDK keeps only the `error` member of an error body, so servers that put their message
 * at the top level (`{ "message": … }`, `{ "detail": … }`) would lose it.
 */
const errorBodies = new WeakMap<Headers, string>();

/** The raw error body the server sent with these response headers, if it was captured. */
export function capturedErrorBody(headers: unknown): string | undefined {
  return headers instanceof Headers ? errorBodies.get(headers) : undefined;
}

/**
 * Wraps `fetch` so that the body of every non-2xx response is remembered (see
 * {@link capturedErrorBody}). Successful responses pass through untouched, so this costs nothing on
 * the happy path.
 */
export function captureErrorBodies(fetchFunction: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchFunction(input, init);
    if (response.ok) return response;
    const text = await response.text();
    const copy = new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    errorBodies.set(copy.headers, text);
    return copy;
  };
}

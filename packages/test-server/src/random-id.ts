const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * An id shaped like the providers' own (`chatcmpl-…`, `msg_…`, `req_…`): `prefix` and `length` random
 * letters and digits. Not for secrets: `Math.random` is enough to keep ids apart and costs a fraction
 * of `crypto.randomBytes` per request.
 */
export function randomId(prefix: string, length = 24): string {
  let id = prefix;
  for (let index = 0; index < length; index++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

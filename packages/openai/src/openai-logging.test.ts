import { afterAll, expect, it, vi } from 'vitest';
import { modelFor, serverWith } from './openai-test-fixture';

// In a file of its own: the SDK binds console's methods when its first client is made, so the
// spies must be in place before any client of this test process exists.
const logged = [
  vi.spyOn(console, 'error'),
  vi.spyOn(console, 'warn'),
  vi.spyOn(console, 'info'),
  vi.spyOn(console, 'debug'),
];
afterAll(() => {
  for (const spy of logged) spy.mockRestore();
});

it('the SDK logs nothing to the console, not even for stream events that do not parse', async () => {
  delete process.env.OPENAI_LOG;
  const server = await serverWith(
    { fault: 'malformed-json' },
    { fault: 'malformed-json' },
    { text: 'recovered' },
  );
  const result = await modelFor(server, { stream: true }, { maxRetries: 2 }).doGenerate({
    messages: [{ role: 'user', content: 'hello' }],
  });
  expect(result.text).toBe('recovered');
  expect(server.requests).toHaveLength(3);
  for (const spy of logged) expect(spy).not.toHaveBeenCalled();
});

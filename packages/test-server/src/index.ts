export type { ConcurrencyLimit, ConcurrencyStats } from './concurrency-limit';
export { DEMO_ANSWER, DEMO_COUNT, DEMO_PEEK, demoResponder } from './demo-script';
export { DEFAULT_EMBEDDING_DIMENSIONS, embedText } from './embedding-vector';
export type { FaultMix } from './fault-mix';
export type { LatencyOption } from './latency';
export { MAX_EMBEDDING_INPUT_TOKENS, MAX_EMBEDDING_INPUTS } from './openai-embeddings';
export type { RecordedMessage, RecordedRequest, WireProtocolName } from './recorded-request';
export type { Responder } from './reply-script';
export type {
  ContextLengthFault,
  DropConnectionFault,
  InvalidKeyFault,
  MalformedJsonFault,
  ModelNotFoundFault,
  RateLimitFault,
  ScriptedFault,
  ScriptedReply,
  ScriptedUsage,
  ServerErrorFault,
  SlowFirstByteFault,
  TextReply,
} from './scripted-reply';
export { startTestServer, type TestServer, type TestServerOptions } from './test-server';

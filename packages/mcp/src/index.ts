export {
  createRlmMcpServer,
  RLM_ASK_TOOL,
  type RlmMcpServerOptions,
} from './create-rlm-mcp-server';
export { PathConfinement } from './path-confinement';
export type { RlmAsk, RlmAskAnswer, RlmAskRequest } from './rlm-ask';
export { createRunProgress, type ProgressUpdate } from './run-progress';
export { serveStdio } from './serve-stdio';
export {
  type StreamableHttpOptions,
  type StreamableHttpServer,
  serveStreamableHttp,
} from './serve-streamable-http';

export type { ChunkingOptions } from './chunk-lines';
export {
  createRetrievalTool,
  type RetrievalHit,
  type RetrievalParameters,
  type RetrievalToolOptions,
} from './retrieval-tool';

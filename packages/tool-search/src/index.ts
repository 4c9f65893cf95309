export {
  createGrepTool,
  type GrepMatch,
  type GrepParameters,
  type GrepResult,
  type GrepToolOptions,
} from './grep-tool';
export {
  createSearchTool,
  type SearchHit,
  type SearchParameters,
  type SearchToolOptions,
} from './search-tool';

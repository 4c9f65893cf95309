/**
 * `@rlm/llama-cpp/testing`: a tiny GGUF model written on the spot (random weights, a few hundred
 * tokens), for tests of code that runs a local model, and a GBNF literal to force its answer. It
 * checks plumbing, never answer quality.
 */
export { gbnfLiteral } from './gbnf-literal';
export {
  CHATML_TEMPLATE,
  TINY_GGUF_TOKENS,
  type TinyGgufOptions,
  tinyGgufBytes,
  writeTinyGguf,
} from './write-tiny-gguf';

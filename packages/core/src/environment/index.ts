/**
 * `@rlm/core/environment`: the kit for authors of REPL environments. A JavaScript engine supplies a
 * sandbox primitive and gets whole sessions from {@link defineJavaScriptEnvironment}; any other
 * language implements `ReplEnvironment` itself and may reuse the language-neutral parts (option
 * checks, error wording, the host-call table). An environment that runs its sandbox in a child
 * process (`@rlm/env-deno`, `@rlm/env-pyodide`) also finds the process plumbing here: the Deno
 * binary and its locked-down command line, the context file, the framing and reading of the lines
 * the child writes, the spare process, and the `/proc` readers its resource checks use.
 */

export { findCellErrorLocation } from '../javascript/cell-error-location';
export {
  DEFAULT_MAX_HOST_CALL_CHARS_IN_FLIGHT,
  DEFAULT_MAX_HOST_CALLS_IN_FLIGHT,
  JAVASCRIPT_PRELUDE_SOURCE,
  JAVASCRIPT_REMOVED_GLOBALS,
  JAVASCRIPT_RESERVED_NAMES,
  type JavaScriptPrelude,
  type JavaScriptPreludeBridge,
  type JavaScriptPreludeCellOutput,
  type JavaScriptPreludeControl,
  type JavaScriptPreludeErrorDescription,
  type JavaScriptPreludeOptions,
  MAX_LISTED_VARIABLES,
  MAX_VARIABLE_PREVIEW_CHARS,
} from '../javascript/javascript-prelude';
export {
  type JavaScriptCellSyntaxError,
  type RewrittenJavaScriptCell,
  rewriteJavaScriptCell,
} from '../javascript/rewrite-javascript-cell';
export { cellVariablesField } from './cell-variables';
export { checkInteger } from './check-integer';
export {
  type ChildLine,
  childLinePrefix,
  MAX_CHILD_LINE_BYTES,
  MAX_CHILD_LINE_CHARS,
  parseChildLine,
} from './child-line-protocol';
export {
  type ContextEncoding,
  type ContextFileKind,
  type ContextFileLocation,
  type ReserveContextFileOptions,
  reserveContextFile,
  writeContextFile,
} from './context-file';
export type { ContextValue, JsonValue } from './context-value';
export { defineJavaScriptEnvironment } from './define-javascript-environment';
export {
  type DenoCommand,
  type DenoCommandOptions,
  denoRunCommand,
  makeDenoCacheDirectory,
} from './deno-command';
export {
  type CellErrorSite,
  crashError,
  describeCellError,
  errorMessageOf,
  outOfMemoryError,
  outOfMemoryMessage,
  stopError,
  type ThrownErrorDescription,
} from './describe-cell-error';
export { type HostCallLimits, type HostCallOutcome, HostCallTable } from './host-call-table';
export { loadCellRewriter, warmUpCellRewriter } from './javascript-cell-rewriter';
export type { JavaScriptEngine } from './javascript-engine';
export { JavaScriptSession } from './javascript-session';
export { LineReader, type LineReaderOptions } from './line-reader';
export { parseHostCallArguments } from './parse-host-call-arguments';
export { type ProcessStatus, readCpuTimeMs, readProcessStatus } from './process-status';
export type * from './repl-environment';
export {
  createDenoBinaryResolver,
  DENO_PATH_VARIABLE,
  type DenoBinaryOwner,
  type DenoBinaryResolver,
  denoPlatformPackage,
  type ResolveDenoBinaryOptions,
  resolveDenoBinary,
} from './resolve-deno-binary';
export type {
  JavaScriptSandbox,
  SandboxCellOptions,
  SandboxCellOutcome,
  SandboxStartOptions,
  StopReason,
} from './sandbox-cell';
export { type SpareableProcess, SpareProcess } from './spare-process';
export { makeTemporaryDirectory, removeTemporaryDirectory } from './temporary-directory';

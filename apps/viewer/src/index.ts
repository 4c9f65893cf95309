/**
 * `@rlm/viewer`: the trajectory viewer `rlm view FILE.jsonl` and `rlm "…" --view` open. A local
 * server on 127.0.0.1 serves a built single-page app that reads the file (or the run's events, live)
 * in a web worker.
 */
export {
  checkTrajectoryFile,
  type TrajectoryFileCheck,
  TrajectoryFileError,
} from './server/check-trajectory-file';
export { openBrowser } from './server/open-browser';
export {
  startViewerServer,
  type ViewerServer,
  type ViewerServerOptions,
  type ViewerSource,
} from './server/viewer-server';

export {
  createPyodideEnvironment,
  type PyodideEnvironment,
  type PyodideEnvironmentOptions,
  pyodide,
} from './pyodide-environment';

export { createOpenTelemetryListener, type OpenTelemetryListenerOptions } from './open-telemetry-listener';
export { ERROR_TYPE, GEN_AI, GEN_AI_OPERATION, RLM } from './span-attributes';

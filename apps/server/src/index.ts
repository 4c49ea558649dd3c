export type { RequestErrorDetails } from './errors.js';
export { RequestError, ServerOptionsError } from './errors.js';
export type { RunningServer, ServerDatabase, StartServerOptions } from './start-server.js';
export { closeOnSignals, startServer } from './start-server.js';

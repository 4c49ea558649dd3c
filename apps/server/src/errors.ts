import { AquilaError } from '@aquila/errors';

/** Server options out of range: a port, a database spec, a queue size, a model folder. */
export class ServerOptionsError extends AquilaError {
  static override readonly code: string = 'AQUILA_SERVER_OPTIONS';
}

/** A request the server refuses, with the HTTP status it answers. */
export class RequestError extends AquilaError {
  static override readonly code: string = 'AQUILA_SERVER_REQUEST';

  constructor(
    readonly status: 400 | 401 | 404 | 413 | 429 | 503,
    message: string,
    readonly type = status === 401 ? 'authentication_error' : status === 429 || status === 503 ? 'server_busy' : 'invalid_request_error',
  ) {
    super(message);
  }
}

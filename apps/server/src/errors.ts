import { AquilaError } from '@aquila/errors';

/** Server options out of range: a port, a database spec, a queue size, a model folder. */
export class ServerOptionsError extends AquilaError {
  static override readonly code: string = 'AQUILA_SERVER_OPTIONS';
}

export interface RequestErrorDetails {
  /** OpenAI's error `type`; default from the status. */
  type?: string;
  /** OpenAI's error `code` (e.g. `context_length_exceeded`); default this error's Aquila code. */
  apiCode?: string;
}

const defaultType = (status: number): string =>
  status === 401
    ? 'authentication_error'
    : status === 403
      ? 'permission_error'
      : status === 429 || status === 503
        ? 'server_busy'
        : 'invalid_request_error';

/** A request the server refuses, with the HTTP status it answers. */
export class RequestError extends AquilaError {
  static override readonly code: string = 'AQUILA_SERVER_REQUEST';
  readonly type: string;
  readonly apiCode: string;

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 415 | 429 | 503,
    message: string,
    details: RequestErrorDetails = {},
  ) {
    super(message);
    this.type = details.type ?? defaultType(status);
    this.apiCode = details.apiCode ?? this.code;
  }
}

/** One structured log record: an event name and its fields. */
type LogFields = Record<string, string | number | boolean | undefined>;

type LogLevel = 'info' | 'warn' | 'error';

export interface JsonLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** Writes one JSON object per line (`time`, `level`, `event`, then the fields), for log shippers. */
export function createJsonLogger(stream: NodeJS.WritableStream | null): JsonLogger {
  return {
    log(level, event, fields = {}) {
      stream?.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
    },
  };
}

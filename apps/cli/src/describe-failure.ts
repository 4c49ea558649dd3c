import { AquilaError } from '@aquila/errors';
import { CommanderError } from 'commander';

/** What the CLI prints for a failure and the status it exits with. */
export interface Failure {
  /** One line, without the `aquila <command>: ` prefix and without a newline. */
  message: string;
  /** The stable code shown in brackets. */
  code: string;
  /** 2 for usage errors, 1 for failures, 130 when cancelled, 0 for a closed output pipe. */
  exitCode: number;
  /** A failure to say nothing about (the reader of our output went away). */
  quiet?: boolean;
}

// What a system call was doing, for `cannot <verb> <path>`.
const verbs: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'find',
  lstat: 'find',
  access: 'find',
  mkdir: 'create the folder',
  rename: 'move into place',
  unlink: 'remove',
  rm: 'remove',
  rmdir: 'remove',
  copyfile: 'copy',
  realpath: 'find',
};

// What a system error code means, and what to do about it.
const reasons: Record<string, string> = {
  ENOENT: 'no such file or folder; check the path',
  EISDIR: 'it is a folder, not a file; give the path of a file',
  ENOTDIR: 'a part of the path is a file, not a folder; check the path',
  EACCES: 'permission denied; check the permissions or choose another path',
  EPERM: 'operation not permitted; check the permissions or choose another path',
  EEXIST: 'it already exists; choose another path',
  ENOSPC: 'no space left on the device; free some space and run again',
  EROFS: 'the file system is read-only; choose another path',
  EMFILE: 'too many open files; raise the limit (ulimit -n) and run again',
  ENAMETOOLONG: 'the name is too long; choose a shorter path',
  ELOOP: 'too many symbolic links in the path; check the path',
  ECONNREFUSED: 'the connection was refused; check that the server is running and the address is right',
  ENOTFOUND: 'the host name was not found; check the address',
  ETIMEDOUT: 'the connection timed out; check the address and the network',
  ECONNRESET: 'the connection was reset by the other side; try again',
  EADDRINUSE: 'the address is already in use; choose another port (--port) or stop the other server',
  EADDRNOTAVAIL: 'the address is not available on this machine; choose another --host',
  ENXIO: 'no such device or address (a socket cannot be reopened by name); give a file or a pipe',
};

type SystemError = Error & { code?: unknown; syscall?: unknown; path?: unknown; address?: unknown; port?: unknown };

function isSystemError(error: unknown): error is SystemError & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as SystemError).code === 'string' &&
    /^E[A-Z0-9]+$/.test((error as SystemError).code as string)
  );
}

function describeSystemError(error: SystemError & { code: string }): string {
  const reason = reasons[error.code] ?? error.message.replace(/^[A-Z0-9]+: /, '');
  const syscall = typeof error.syscall === 'string' ? error.syscall : undefined;
  if (typeof error.path === 'string')
    return `cannot ${verbs[syscall ?? ''] ?? syscall ?? 'use'} ${error.path}: ${reason}`;
  if (typeof error.address === 'string')
    return `cannot ${syscall ?? 'connect'} ${error.address}${typeof error.port === 'number' ? `:${error.port}` : ''}: ${reason}`;
  return reason;
}

/** Commander's own messages start with `error: ` and end with a full stop; ours are one clause in a line. */
function commanderMessage(error: CommanderError): string {
  return error.message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
}

/**
 * Turns anything a command threw into one line and an exit status: usage errors (flags, arguments) exit 2,
 * Aquila errors and system errors say what, where and what to do and exit 1, anything else is named as
 * unexpected with what was being done. A closed stdout (`aquila … | head`) is no failure at all.
 */
export function describeFailure(error: unknown, command: string): Failure {
  if (error instanceof CommanderError) {
    return { message: `${commanderMessage(error)}; see '${command} --help'`, code: 'AQUILA_USAGE', exitCode: 2 };
  }
  if (AquilaError.isInstance(error))
    return { message: error.message.replace(/\s*\n\s*/g, ' '), code: error.code, exitCode: 1 };
  if (isSystemError(error)) {
    if (error.code === 'EPIPE') return { message: '', code: error.code, exitCode: 0, quiet: true };
    return { message: describeSystemError(error), code: error.code, exitCode: 1 };
  }
  if (error instanceof Error && error.name === 'AbortError')
    return { message: 'cancelled', code: 'AQUILA_CANCELLED', exitCode: 130 };
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    message: `unexpected error (${detail.replace(/\s*\n\s*/g, ' ').slice(0, 500)}); run it again with --debug for the stack, and report it`,
    code: 'AQUILA_INTERNAL',
    exitCode: 1,
  };
}

import { type ChildProcess, fork } from 'node:child_process';
import { moduleCommand } from '@aquila/files';
import type { ExecutionTask, ExecutionVerdict } from '../execution-task.js';
import { takeTask } from './take-task.js';

/** One task's answer from a child: its verdict, or that it must run on sql.js. */
export type NativeAnswer = { id: number; verdict: ExecutionVerdict } | { id: number; fallback: true; error?: string };
/** A child's message: ready, no native engine here, or answers in the order the tasks were sent. */
export type NativeReply = { ready: true } | { unavailable: string } | { answers: NativeAnswer[] };
/** The pool's message: tasks to run in order. */
export type NativeRequest = { tasks: { id: number; task: ExecutionTask }[] };

interface Pending {
  id: number;
  task: ExecutionTask;
  resolve: (verdict: ExecutionVerdict | undefined) => void;
}

interface Child {
  process: ChildProcess;
  // Sent and not answered yet, oldest first: the first one is running.
  sent: Pending[];
  runningSince: number;
  lastDatabase: string | undefined;
  // Tasks are timed from when the process has started (loading Node and SQLite is not the query's time).
  ready: boolean;
}

// Tasks sent ahead to each child, in batches, so that it never waits and few messages wake either side.
const depth = 64;

// The build ships execution-process.js beside index.js.
const executionProcess = { from: import.meta.url, source: '../execution-process.ts', built: './execution-process.js' };

// Every child still running, killed when this process exits however it exits normally (the end of the work, an
// error, process.exit): a child must not outlive its parent. (Killed outright, the parent cannot do this; the
// child then notices on its own, see execution-process.ts.)
const running = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  return child;
}

function startProcess(): ChildProcess {
  const { path, execArgv } = moduleCommand(executionProcess);
  return fork(path, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
}

/**
 * Child processes that run execution tasks on native SQLite. `run` resolves undefined where the task must run on
 * sql.js instead: the query is outside what native SQLite provably runs the same, it ran past the timeout (the
 * process is killed and replaced; sql.js, which can be interrupted, then gives the timeout verdict), or there is
 * no native engine on this machine.
 */
export class NativeProcesses {
  private readonly children: Child[] = [];
  private readonly waiting: Pending[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private nextId = 0;
  private dispatching = false;
  private available = true;
  private closed = false;

  constructor(
    size: number,
    private readonly timeoutMs: number,
  ) {
    for (let index = 0; index < size; index += 1) this.children.push(this.start());
    this.watchdog = setInterval(() => this.watch(), Math.min(1000, Math.max(10, timeoutMs / 5)));
    this.watchdog.unref();
  }

  private start(): Child {
    const child: Child = {
      process: track(startProcess()),
      sent: [],
      runningSince: 0,
      lastDatabase: undefined,
      ready: false,
    };
    child.process.on('message', (reply: NativeReply) => this.receive(child, reply));
    // A process that dies before it is ready would die again (no native engine that works here): sql.js only.
    const died = (): void => {
      if (this.closed || !this.children.includes(child)) return;
      if (child.ready) this.replace(child);
      else this.giveUp();
    };
    child.process.on('exit', died);
    child.process.on('error', died);
    this.idle(child);
    return child;
  }

  private idle(child: Child): void {
    child.process.unref();
    child.process.channel?.unref();
  }

  /** The task's verdict, or undefined when it must run on sql.js. */
  run(task: ExecutionTask): Promise<ExecutionVerdict | undefined> {
    if (!this.available || this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push({ id: this.nextId++, task, resolve });
      // Tasks asked for in one go (evaluate fills its window) leave in one message.
      if (!this.dispatching) {
        this.dispatching = true;
        queueMicrotask(() => this.dispatch());
      }
    });
  }

  private dispatch(): void {
    this.dispatching = false;
    if (this.closed) return;
    for (const child of this.children) {
      const batch: Pending[] = [];
      while (child.sent.length + batch.length < depth && this.waiting.length > 0) {
        const pending = takeTask(this.waiting, child.lastDatabase) as Pending;
        child.lastDatabase = pending.task.databases[0];
        batch.push(pending);
      }
      if (batch.length === 0) continue;
      if (child.sent.length === 0) {
        child.runningSince = Date.now();
        child.process.ref();
        child.process.channel?.ref();
      }
      child.sent.push(...batch);
      child.process.send({ tasks: batch.map(({ id, task }) => ({ id, task })) } satisfies NativeRequest);
    }
  }

  private receive(child: Child, reply: NativeReply): void {
    if ('unavailable' in reply) {
      this.giveUp();
      return;
    }
    if ('ready' in reply) {
      child.ready = true;
      child.runningSince = Date.now();
      return;
    }
    if (!('answers' in reply)) return;
    child.runningSince = Date.now();
    for (const answer of reply.answers) {
      const pending = child.sent[0];
      if (pending === undefined || pending.id !== answer.id) return;
      child.sent.shift();
      pending.resolve('verdict' in answer ? answer.verdict : undefined);
    }
    if (child.sent.length === 0) this.idle(child);
    this.dispatch();
  }

  private watch(): void {
    const now = Date.now();
    for (const child of this.children)
      if (child.ready && child.sent.length > 0 && now - child.runningSince > this.timeoutMs) this.replace(child);
  }

  // A query ran too long or the process died: kill it, send its running task to sql.js, the rest to a new one.
  private replace(child: Child): void {
    const index = this.children.indexOf(child);
    if (index < 0) return;
    child.process.kill('SIGKILL');
    const [running, ...rest] = child.sent.splice(0);
    this.waiting.unshift(...rest);
    if (this.closed) return;
    this.children[index] = this.start();
    running?.resolve(undefined);
    this.dispatch();
  }

  // No native engine on this machine: everything runs on sql.js.
  private giveUp(): void {
    this.available = false;
    void this.close();
  }

  /** Stops every child; tasks not answered yet resolve undefined (to run on sql.js). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const pending = [...this.children.flatMap((child) => child.sent.splice(0)), ...this.waiting.splice(0)];
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.process.exitCode !== null || child.process.signalCode !== null) resolve();
            else {
              child.process.once('exit', () => resolve());
              child.process.ref();
              child.process.kill('SIGKILL');
            }
          }),
      ),
    );
    for (const item of pending) item.resolve(undefined);
  }
}

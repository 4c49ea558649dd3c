import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Database, SqlJsStatic } from 'sql.js';

/** A compiled WebAssembly module (the ES2023 lib this package builds against has no WebAssembly types). */
export type WasmModule = object & { readonly __wasmModule?: never };
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<object>;
};

let compiled: Promise<WasmModule> | undefined;
let engine: Promise<SqlJsStatic> | undefined;

/** sql.js's WebAssembly, compiled once per process and shared with the worker threads (they skip compiling). */
export function sqlJsModule(): Promise<WasmModule> {
  compiled ??= readFile(createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm')).then((bytes) =>
    WebAssembly.compile(bytes),
  );
  return compiled;
}

/** The sql.js module (SQLite compiled to WebAssembly), instantiated once per thread from `module` when given. */
export function loadSqlJs(module?: WasmModule): Promise<SqlJsStatic> {
  engine ??= (async () => {
    const wasm = module ?? (await sqlJsModule());
    const instantiateWasm = (imports: object, done: (instance: object, module: WasmModule) => void): object => {
      void WebAssembly.instantiate(wasm, imports).then((instance) => done(instance, wasm));
      return {};
    };
    // Loaded on first use: exact match and native execution never need it.
    const { default: initSqlJs } = await import('sql.js');
    return initSqlJs({ instantiateWasm } as Parameters<typeof initSqlJs>[0]);
  })();
  return engine;
}

/** Opens an in-memory copy of a SQLite file's bytes: nothing done to it reaches the file. */
export async function openDatabaseCopy(bytes: Uint8Array): Promise<Database> {
  const sql = await loadSqlJs();
  return new sql.Database(bytes);
}

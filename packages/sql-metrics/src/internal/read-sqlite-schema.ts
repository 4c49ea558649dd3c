// Reads table and column names straight from a SQLite file (the sqlite_master b-tree and each CREATE TABLE), so
// exact match needs no SQLite engine. Anything unusual returns undefined and the caller asks SQLite instead.

class Unsupported extends Error {}

function varint(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  for (let index = 0; index < 8; index += 1) {
    const byte = bytes[offset + index];
    if (byte === undefined) throw new Unsupported('truncated varint');
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, offset + index + 1];
  }
  const last = bytes[offset + 8];
  if (last === undefined) throw new Unsupported('truncated varint');
  return [value * 256 + last, offset + 9];
}

interface FileLayout {
  bytes: Uint8Array;
  view: DataView;
  pageSize: number;
  usable: number;
}

function page(layout: FileLayout, number: number): number {
  const start = (number - 1) * layout.pageSize;
  if (number < 1 || start + layout.pageSize > layout.bytes.length)
    throw new Unsupported(`page ${number} outside the file`);
  return start;
}

// The payload of a table b-tree leaf cell, following overflow pages.
function payload(layout: FileLayout, cell: number): Uint8Array {
  const [size, afterSize] = varint(layout.bytes, cell);
  const [, start] = varint(layout.bytes, afterSize);
  // A payload larger than the file is a damaged (or crafted) size: not something to allocate.
  if (size > layout.bytes.length) throw new Unsupported(`payload of ${size} bytes in a file of ${layout.bytes.length}`);
  const maxLocal = layout.usable - 35;
  if (size <= maxLocal) return layout.bytes.subarray(start, start + size);
  const minLocal = Math.floor(((layout.usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((size - minLocal) % (layout.usable - 4));
  const local = k <= maxLocal ? k : minLocal;
  const out = new Uint8Array(size);
  out.set(layout.bytes.subarray(start, start + local));
  let filled = local;
  let next = layout.view.getUint32(start + local);
  while (filled < size) {
    const at = page(layout, next);
    next = layout.view.getUint32(at);
    const chunk = Math.min(size - filled, layout.usable - 4);
    out.set(layout.bytes.subarray(at + 4, at + 4 + chunk), filled);
    filled += chunk;
  }
  return out;
}

type Value = string | number | null;

function record(data: Uint8Array): Value[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const [headerSize, first] = varint(data, 0);
  const types: number[] = [];
  for (let offset = first; offset < headerSize; ) {
    const [type, next] = varint(data, offset);
    types.push(type);
    offset = next;
  }
  const values: Value[] = [];
  let at = headerSize;
  const integerSizes = [0, 1, 2, 3, 4, 6, 8];
  for (const type of types) {
    if (type === 0) values.push(null);
    else if (type >= 1 && type <= 6) {
      const size = integerSizes[type] as number;
      let value = 0;
      for (let index = 0; index < size; index += 1) value = value * 256 + (data[at + index] as number);
      if (size > 0 && (data[at] as number) >= 128) value -= 2 ** (8 * size);
      values.push(value);
      at += size;
    } else if (type === 7) {
      values.push(view.getFloat64(at));
      at += 8;
    } else if (type === 8 || type === 9) values.push(type - 8);
    else if (type >= 12) {
      const size = Math.floor((type - 12) / 2);
      values.push(type % 2 === 1 ? new TextDecoder().decode(data.subarray(at, at + size)) : null);
      at += size;
    } else throw new Unsupported(`serial type ${type}`);
  }
  return values;
}

// Every row of the table b-tree rooted at `root`, in rowid order. A page is read once: a damaged file whose interior
// pages share their children would otherwise be walked exponentially often.
function rows(layout: FileLayout, root: number, visited = new Set<number>(), depth = 0): Value[][] {
  if (depth > 32) throw new Unsupported('b-tree too deep');
  if (visited.has(root)) throw new Unsupported(`page ${root} is reached twice`);
  visited.add(root);
  const start = page(layout, root);
  const header = root === 1 ? start + 100 : start;
  const type = layout.bytes[header];
  const cells = layout.view.getUint16(header + 3);
  const result: Value[][] = [];
  if (type === 0x0d) {
    for (let index = 0; index < cells; index += 1)
      result.push(record(payload(layout, start + layout.view.getUint16(header + 8 + index * 2))));
    return result;
  }
  if (type !== 0x05) throw new Unsupported(`page type ${type}`);
  for (let index = 0; index < cells; index += 1)
    result.push(
      ...rows(
        layout,
        layout.view.getUint32(start + layout.view.getUint16(header + 12 + index * 2)),
        visited,
        depth + 1,
      ),
    );
  result.push(...rows(layout, layout.view.getUint32(header + 8), visited, depth + 1));
  return result;
}

const lexer =
  /\s+|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|'(?:[^']|'')*'|[A-Za-z0-9_$\u0080-\uffff]+|[\s\S]/g;
const constraintStart = new Set(['constraint', 'primary', 'unique', 'check', 'foreign']);

function unquote(token: string): string {
  const first = token[0];
  if (first === '"' || first === '`' || first === "'") return token.slice(1, -1).replaceAll(`${first}${first}`, first);
  if (first === '[') return token.slice(1, -1);
  return token;
}

// The column names PRAGMA table_info reports: the first token of each column definition of CREATE TABLE.
function columnNames(sql: string): string[] {
  const tokens = (sql.match(lexer) ?? []).filter(
    (token) => !/^\s/.test(token) && !token.startsWith('--') && !token.startsWith('/*'),
  );
  if (tokens[0]?.toLowerCase() !== 'create' || tokens.some((token) => token.toLowerCase() === 'virtual'))
    throw new Unsupported('not a plain CREATE TABLE');
  const open = tokens.indexOf('(');
  if (open < 0) throw new Unsupported('CREATE TABLE … AS');
  const names: string[] = [];
  let depth = 0;
  let atStart = true;
  for (const token of tokens.slice(open + 1)) {
    if (depth === 0 && atStart) {
      if (constraintStart.has(token.toLowerCase())) break;
      names.push(unquote(token));
      atStart = false;
    }
    if (token === '(') depth += 1;
    else if (token === ')') {
      if (depth === 0) return names;
      depth -= 1;
    } else if (token === ',' && depth === 0) atStart = true;
  }
  if (depth !== 0 || names.length === 0) throw new Unsupported('unbalanced CREATE TABLE');
  return names;
}

/** Table name → column names of a SQLite file, or undefined when the file is not one this reader handles. */
export function readSqliteSchema(bytes: Uint8Array): [string, string[]][] | undefined {
  try {
    if (bytes.length < 100 || new TextDecoder().decode(bytes.subarray(0, 15)) !== 'SQLite format 3') return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rawPageSize = view.getUint16(16);
    const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
    const usable = pageSize - (bytes[20] as number);
    // SQLite's own limits: a power of two from 512 to 65536, at least 480 usable bytes (less would loop on overflow pages).
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0 || usable < 480) return undefined;
    if (view.getUint32(56) !== 1) return undefined;
    const layout: FileLayout = { bytes, view, pageSize, usable };
    const tables: [string, string[]][] = [];
    for (const [type, name, , , sql] of rows(layout, 1)) {
      if (type !== 'table' || typeof name !== 'string' || typeof sql !== 'string') continue;
      tables.push([name, columnNames(sql)]);
    }
    return tables;
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RangeError) return undefined;
    throw error;
  }
}

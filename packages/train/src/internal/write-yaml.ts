// A YAML emitter for plain config trees, written for PyYAML/OmegaConf readers (YAML 1.1): floats always
// carry a dot and a signed exponent ("2.0e-07"; PyYAML reads "2e-7" as a string) and strings that 1.1
// would read as something else ("yes", "off", "1_000") are quoted.
type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} to YAML`);
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) return String(value);
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

const plain = /^[A-Za-z_./$][\w./${}@+-]*$/;
const yaml11Keywords =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

function formatScalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return formatNumber(value);
  return plain.test(value) && !yaml11Keywords.test(value) ? value : JSON.stringify(value);
}

function emit(value: YamlValue, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'object' || item === null) lines.push(`${indent}- ${formatScalar(item)}`);
      else {
        // A collection item: emit it one level deeper, then put the dash on its first line.
        const start = lines.length;
        emit(item, `${indent}  `, lines);
        lines[start] = `${indent}- ${(lines[start] ?? '').slice(indent.length + 2)}`;
      }
    }
    return;
  }
  if (typeof value !== 'object' || value === null) throw new TypeError('emit takes a mapping or a list');
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (typeof item === 'object' && item !== null) {
      const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
      if (empty) lines.push(`${indent}${key}: ${Array.isArray(item) ? '[]' : '{}'}`);
      else {
        lines.push(`${indent}${key}:`);
        emit(item, `${indent}  `, lines);
      }
    } else lines.push(`${indent}${key}: ${formatScalar(item)}`);
  }
}

/** The YAML text of a mapping of scalars, nested mappings and lists of scalars. */
export function writeYaml(value: { [key: string]: YamlValue | undefined }): string {
  const lines: string[] = [];
  emit(value, '', lines);
  return `${lines.join('\n')}\n`;
}

export type { YamlValue };

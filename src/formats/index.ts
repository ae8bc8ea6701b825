import { AmpError } from '../errors.js';
import { cefFormat } from './cef/index.js';
import { ecsFormat } from './ecs/index.js';
import { ocsfFormat } from './ocsf/index.js';
import { rawFormat } from './raw.js';
import { formatNames, type Format, type FormatName } from './types.js';

export { formatNames, type Format, type FormatName };
export { RecordArena } from './record.js';

/** Every output format by name. */
const formats: Partial<Record<FormatName, Format>> = {
  raw: rawFormat,
  ecs: ecsFormat,
  ocsf: ocsfFormat,
  cef: cefFormat,
};

export function getFormat(name: FormatName): Format {
  const f = formats[name];
  if (f === undefined) {
    throw new AmpError('USAGE', `format "${name}" is not available`, {
      hint: `use one of: ${Object.keys(formats).join(', ')}`,
    });
  }
  return f;
}

import { AmpError } from '../errors.js';
import { rawFormat } from './raw.js';
import { formatNames, type Format, type FormatName } from './types.js';

export { formatNames, type Format, type FormatName };

/** Every output format by name. */
const formats: Partial<Record<FormatName, Format>> = {
  raw: rawFormat,
};

export function getFormat(name: FormatName): Format {
  const f = formats[name];
  if (f === undefined) {
    throw new AmpError('USAGE', `format "${name}" is not available`, { hint: `use one of: ${Object.keys(formats).join(', ')}` });
  }
  return f;
}

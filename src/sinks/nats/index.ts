import { natsOptionsSchema, type NatsSinkOptions } from './config.js';
import { NatsSink } from './sink.js';

export { natsOptionsSchema, type NatsSinkOptions, NatsSink };
export { natsSinkFactory } from './factory.js';

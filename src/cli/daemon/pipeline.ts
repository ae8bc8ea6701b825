/** The one place the CLI takes its pipeline implementation from (injected everywhere else). */
export { createPipeline } from '../../pipeline/index.js';

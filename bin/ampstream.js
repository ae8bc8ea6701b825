#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script).
process.env.AMPSTREAM_CLI_ENTRY = '1';
await import('../dist/cli/main.js');

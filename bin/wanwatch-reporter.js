#!/usr/bin/env node
// Thin launcher for development; on the device the esbuild bundle (dist/wanwatch-reporter.mjs) runs instead.
import { register } from 'tsx/esm/api';
register();
await import('./wanwatch-reporter-cli.ts');

#!/usr/bin/env -S node --max-semi-space-size=64
// Thin launcher: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
// The first line carries the backend's Node flags (backend/node-flags.ts).
import { register } from 'tsx/esm/api';
register();
await import('./wanwatch-cli.ts');

#!/usr/bin/env node
// The package's command: TypeScript sources run through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/adapters/cli/main.ts');

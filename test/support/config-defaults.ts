// vitest setupFile: every test file's default config is the schema's own (test/support/config-defaults-global.ts).
import { inject } from 'vitest';
import { setDefaultConfig } from '../../src/config/defaults.js';

setDefaultConfig(inject('defaultConfig'));

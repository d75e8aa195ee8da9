import { Router } from 'express';
import type { Alerting, AlertingDeps } from './index.ts';
import type { AlertingOptions } from './options.ts';

// Placeholder wiring; replaced by the real runtime below in the next commits.
export function createAlertingRuntime(_deps: AlertingDeps, _options: AlertingOptions): Alerting {
  return {
    router: Router(),
    async startWorkers() {},
    async close() {},
    mailer: {
      async send() {
        throw new Error('mailer not implemented yet');
      },
    },
  };
}

import { createConsole, loopbackApi, type WebConsole } from '../../console/index.ts';
import type { PluginFactory } from '../plugin.ts';

/**
 * The web console at `/` (role api/all): its pages, and one Redis subscription per process for
 * the board's live updates. It calls the other parts through this process's own HTTP API.
 */
export const consolePlugin: PluginFactory = (ctx) => {
  if (ctx.role === 'worker') return { name: 'console' };
  // The port the server got (it differs from the setting when that is 0).
  let port = ctx.config.port;
  const api = loopbackApi(() => `http://127.0.0.1:${port}`, ctx.config.adminToken);
  const web: WebConsole = createConsole({
    redis: ctx.redis,
    subscriber: ctx.workerRedis(),
    keys: ctx.keys,
    adminToken: ctx.config.adminToken,
    api,
    // Alerting's acknowledgement, through its API route so the rules and the events record hold.
    async ack(incidentId, deviceId, by) {
      const ans = await api('POST', `/incidents/${encodeURIComponent(incidentId)}/ack`, { deviceId, by });
      const detail = (ans.body as { detail?: unknown } | undefined)?.detail;
      if (ans.status >= 400) throw new Error(typeof detail === 'string' ? detail : `status ${ans.status}`);
    },
    logger: ctx.logger,
    influx: ctx.influx,
    grafanaUrl: ctx.config.grafanaUrl,
  });
  return {
    name: 'console',
    pages: [web.router],
    listening(info) {
      port = info.port;
    },
    // Open live streams end before the HTTP server waits for its connections to close.
    stopping: () => web.close(),
  };
};

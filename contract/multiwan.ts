import { z } from 'zod';

/**
 * The cloud's `multiWanV2` block (see shared fixture `last_config_response.json`), which the device
 * turns into /etc/config/mwan3 and whose `notificationEmails` become the device's alert recipients.
 * Ranges follow mwan3/LuCI: metric 1–256, weight 1–1000, intervals ≥ 1 s, timeout 1–10 s.
 */
export const MWAN3_NAME = /^[A-Za-z0-9_]{1,15}$/;

export const wanInterfaceConfigSchema = z.strictObject({
  interfaceName: z
    .string()
    .regex(MWAN3_NAME, 'interfaceName: 1–15 letters, digits or "_" (a UCI section name mwan3 accepts)'),
  targetIps: z.array(z.string().min(1).max(253)).max(32),
  failureInterval: z.number().int().min(1).max(3600),
  recoveryInterval: z.number().int().min(1).max(3600),
  pingInterval: z.number().int().min(1).max(3600),
  pingTimeout: z.number().int().min(1).max(10),
  multiWANMetric: z.number().int().min(1).max(256),
  multiWANWeight: z.number().int().min(1).max(1000),
  enable: z.boolean(),
});
export type WanInterfaceConfig = z.infer<typeof wanInterfaceConfigSchema>;

export const multiWanV2Schema = z
  .strictObject({
    enable: z.boolean(),
    mode: z.enum(['FAIL_OVER', 'LOAD_BALANCE']),
    notificationEmails: z.array(z.email()).max(50),
    wanInterfaces: z.array(z.string()).nullable(),
    wanInterfacesConfig: z.record(z.string(), wanInterfaceConfigSchema),
  })
  .superRefine((mw, ctx) => {
    for (const [key, cfg] of Object.entries(mw.wanInterfacesConfig)) {
      if (key !== cfg.interfaceName) {
        ctx.addIssue({
          code: 'custom',
          path: ['wanInterfacesConfig', key, 'interfaceName'],
          message: `interfaceName "${cfg.interfaceName}" differs from its key "${key}"`,
        });
      }
    }
  });
export type MultiWanV2 = z.infer<typeof multiWanV2Schema>;

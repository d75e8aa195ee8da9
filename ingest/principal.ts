import type { DeviceRecord } from '../store/index.ts';
import type { ApiTokenView } from './api-tokens.ts';

/**
 * Who a request comes from: the admin token (WANWATCH_ADMIN_TOKEN), a read-only token of
 * WANWATCH_VIEWER_TOKENS, an API token with a role (api-tokens.ts), or a device.
 */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'viewer' }
  | { kind: 'token'; token: ApiTokenView }
  | { kind: 'device'; deviceId: string; record: DeviceRecord };

import { multiWanV2Schema, type MultiWanV2 } from '../../contract/index.ts';

/** Invalid multiWanV2 input; `issues` name each bad field by its path (e.g. `multiWanV2.wanInterfacesConfig.eth0.multiWANMetric`). */
export class MultiWanError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid multiWanV2:\n  ${issues.join('\n  ')}`);
    this.name = 'MultiWanError';
  }
}

/** Accepts the whole `last_config_response.json` (with `.multiWanV2`) or the block itself, and validates it. */
export function parseMultiWan(json: unknown): MultiWanV2 {
  const block =
    json && typeof json === 'object' && 'multiWanV2' in json ? (json as { multiWanV2: unknown }).multiWanV2 : json;
  const r = multiWanV2Schema.safeParse(block);
  if (!r.success) {
    throw new MultiWanError(
      r.error.issues.map((i) => `${['multiWanV2', ...i.path.map(String)].join('.')}: ${i.message}`),
    );
  }
  return r.data;
}

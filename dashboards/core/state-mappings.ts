import { MappingType, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import { STATE_CODE, type IfaceState } from '../../contract/index.ts';

/** Colours of interface states, keyed by the `state_code` ingest writes (contract STATE_CODE). */
const STATE_COLOURS: Record<IfaceState, string> = {
  online: 'green',
  offline: 'red',
  connecting: 'yellow',
  disconnecting: 'orange',
  disabled: 'text',
  unknown: 'gray',
};

export function stateCodeMappings(): ValueMapping[] {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  for (const [state, code] of Object.entries(STATE_CODE)) {
    options[String(code)] = { text: state, color: STATE_COLOURS[state as IfaceState], index: code };
  }
  return [{ type: MappingType.ValueToText, options }];
}

/** Cloud-side reachability (`wan_device_state.state`). */
export function reachabilityMappings(): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: {
        reachable: { text: 'reachable', color: 'green', index: 0 },
        unreachable: { text: 'unreachable', color: 'red', index: 1 },
      },
    },
  ];
}

import type { MultiWanV2, WanInterfaceConfig } from '../../../../contract/index.ts';
import { RENDER_MWAN3_HELP } from '../../../cli/help-texts.ts';
import { parseNetworkConfig } from '../../../config/network-config.ts';
import { UciParseError, writeUci } from '../../../config/uci.ts';
import { renderMwan3Wans } from '../../../render/render-mwan3.ts';
import { decodeJson, JsonDecodeError, type Decoded } from '../platform/json-decode.ts';
import { readTextFile, writeErr, writeOut } from '../platform/system.ts';
import { ArgsError, flagString, parseFlags } from './args.ts';

/**
 * The shape checks the device needs to render safely. The server validates multiWanV2 in full
 * (contract/multiwan.ts) before it ever reaches a router; here a wrong type is named by its path.
 */
class MultiWanShapeError extends Error {}

const WAN_NUMBERS = [
  'failureInterval',
  'recoveryInterval',
  'pingInterval',
  'pingTimeout',
  'multiWANMetric',
  'multiWANWeight',
] as const;

function wansOf(doc: Decoded): { mw: Pick<MultiWanV2, 'mode' | 'enable'>; wans: WanInterfaceConfig[] } {
  const root = doc.value as Record<string, unknown> | undefined;
  const block = (typeof root === 'object' && root.multiWanV2 !== undefined ? root.multiWanV2 : root) as
    | Record<string, unknown>
    | undefined;
  const bad = (path: string, what: string): never => {
    throw new MultiWanShapeError(`invalid multiWanV2:\n  multiWanV2${path}: ${what}`);
  };
  if (typeof block !== 'object') return bad('', 'expected object');
  const mode = block.mode;
  if (mode !== 'FAIL_OVER' && mode !== 'LOAD_BALANCE') return bad('.mode', 'expected "FAIL_OVER" | "LOAD_BALANCE"');
  if (typeof block.enable !== 'boolean') return bad('.enable', 'expected boolean');
  const cfg = block.wanInterfacesConfig as Record<string, Record<string, unknown> | undefined> | undefined;
  if (typeof cfg !== 'object') return bad('.wanInterfacesConfig', 'expected record');
  const wans = doc.keyOrder(cfg).map((key) => {
    const w = cfg[key];
    const at = `.wanInterfacesConfig.${key}`;
    if (typeof w !== 'object') return bad(at, 'expected object');
    if (w.interfaceName !== key) bad(`${at}.interfaceName`, `interfaceName differs from its key "${key}"`);
    if (typeof w.enable !== 'boolean') bad(`${at}.enable`, 'expected boolean');
    const ips = w.targetIps;
    if (!Array.isArray(ips) || ips.some((ip) => typeof ip !== 'string')) bad(`${at}.targetIps`, 'expected string[]');
    for (const k of WAN_NUMBERS)
      if (typeof w[k] !== 'number' || Math.floor(w[k]) !== w[k]) bad(`${at}.${k}`, 'expected integer');
    return w as unknown as WanInterfaceConfig;
  });
  return { mw: { mode, enable: block.enable }, wans };
}

export function runRenderMwan3(argv: string[]): number {
  let flags;
  try {
    flags = parseFlags(argv, {
      multiwan: { type: 'string' },
      'network-config': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    writeErr(`${e.message}\n\n${RENDER_MWAN3_HELP}\n`);
    return 2;
  }
  if (flags.get('help') === true) {
    writeOut(`${RENDER_MWAN3_HELP}\n`);
    return 0;
  }
  const multiwan = flagString(flags, 'multiwan');
  if (multiwan === undefined || multiwan === '') {
    writeErr(`--multiwan is required\n\n${RENDER_MWAN3_HELP}\n`);
    return 2;
  }
  try {
    const text = readTextFile(multiwan);
    if (text === undefined) throw new MultiWanShapeError(`ENOENT: no such file or directory, open '${multiwan}'`);
    const { mw, wans } = wansOf(decodeJson(text));
    const networkPath = flagString(flags, 'network-config');
    let network;
    if (networkPath !== undefined && networkPath !== '') {
      const networkText = readTextFile(networkPath);
      if (networkText === undefined)
        throw new MultiWanShapeError(`ENOENT: no such file or directory, open '${networkPath}'`);
      network = parseNetworkConfig(networkText);
    }
    writeOut(writeUci(renderMwan3Wans(mw, wans, network)));
    return 0;
  } catch (e) {
    if (e instanceof MultiWanShapeError || e instanceof UciParseError || e instanceof JsonDecodeError) {
      writeErr(`render-mwan3: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export { backoffDelayMs, orderRoutes, type RouteHistory, type UploadRoute } from './route-order.ts';

/** First global address of `family` on a Linux device, from `os.networkInterfaces()`. */
export function sourceAddressOf(
  device: string | undefined,
  family: 'ipv4' | 'ipv6' = 'ipv4',
  ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string | undefined {
  if (!device) return undefined;
  const want = family === 'ipv4' ? 'IPv4' : 'IPv6';
  const a = (ifaces[device] ?? []).find(
    (i) => i.family === want && !i.internal && !(want === 'IPv6' && i.address.startsWith('fe80')),
  );
  return a?.address;
}

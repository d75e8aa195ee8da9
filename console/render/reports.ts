import type { DeviceRecord } from '../../store/index.ts';
import { h, layout, type PageSession } from './layout.ts';

export const REPORT_PERIODS = new Map([
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
]);

/** Pick a device (or the fleet) and a period; the HTML report opens, the CSV downloads. */
export function renderReportsForm(p: { devices: DeviceRecord[] }, session: PageSession): string {
  const options = p.devices.map((d) => `<option value="${h(d.id)}">${h(d.name)} (${h(d.id)})</option>`).join('');
  const periods = [...REPORT_PERIODS.keys()].map((k) => `<option value="${k}">${k}</option>`).join('');
  return layout(
    'Reports',
    `<h1>Uptime reports</h1>
<form method="get" action="/reports/view" class="stack">
<label for="device">Device</label><select id="device" name="device"><option value="">whole fleet</option>${options}</select>
<label for="period">Period (up to now)</label><select id="period" name="period">${periods}</select>
<label for="format">Format</label><select id="format" name="format"><option value="html">HTML (open)</option><option value="csv">CSV (download)</option></select>
<button type="submit">Show report</button>
</form>`,
    session,
  );
}

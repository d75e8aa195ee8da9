/** The shared output formats (store/text-format.ts), plus the report's own row labels. */
export { escapeHtml, formatDuration, formatPct, formatTime, isoTime, terminalSafe } from '../../store/text-format.ts';

/** Labels the reports give the site's own rows; an interface of the same name is quoted to stay apart. */
const RESERVED_LABELS = new Set(['internet', 'internet (any wan)', '(internet)', 'all devices (internet)']);

/**
 * An interface name as a report label: quoted when it reads like one of the report's own rows
 * (an interface named `internet` is a link, not the site's internet).
 */
export function ifaceLabel(name: string): string {
  return RESERVED_LABELS.has(name.trim().toLowerCase()) ? `"${name}"` : name;
}

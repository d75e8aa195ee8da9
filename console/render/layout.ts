import { escapeHtml } from '../../store/text-format.ts';
import { mayWrite, type ConsoleRole } from '../core/console-access.ts';

/** `escapeHtml` for any value: every user- or device-supplied string goes through it. */
export const h = (v: unknown): string => escapeHtml(String(v ?? ''));

export interface PageSession {
  csrf: string;
  /** Absent: no write control is shown. */
  role?: ConsoleRole;
  name?: string;
}

/** Whether a page shows the control for the console write at `path` (console-access.ts). */
export const canWrite = (session: PageSession, path: string): boolean =>
  session.role !== undefined && mayWrite(session.role, path);

/**
 * The page frame. No inline script or style (the Content-Security-Policy forbids them): behaviour
 * comes from /assets/console.js, looks from /assets/console.css.
 */
export function layout(title: string, body: string, session?: PageSession): string {
  const nav = session
    ? `<nav aria-label="Main"><a href="/">Fleet</a> <a href="/incidents">Incidents</a> <a href="/maintenance">Maintenance</a> <a href="/reports">Reports</a> <a href="/admin">Devices</a>
${session.name ? `<span class="who">${h(session.name)} (${h(session.role)})</span> ` : ''}<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${h(session.csrf)}"><button type="submit">Sign out</button></form></nav>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} · wanwatch</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head><body>
<header><span class="brand">wanwatch</span>${nav}</header>
<main id="main">
${body}
</main></body></html>`;
}

export function loginPage(error?: string): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
${error ? `<p class="error" role="alert">${h(error)}</p>` : ''}
<form method="post" action="/login" class="login">
<label for="token">API or admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** `42 s`, `5 min`, `3 h`, `2 d` ago; `never`. */
export function ageText(sinceMs: number | null, nowMs: number): string {
  if (sinceMs === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - sinceMs) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/**
 * The NOC web console (docs/console.md): server-rendered pages from pure render functions, one
 * small script for live updates. Reads Redis through store/ and reaches the other parts only
 * through the HTTP API.
 */
export { createConsole, CONTENT_SECURITY_POLICY, type ConsoleDeps, type WebConsole } from './router.ts';
export { loopbackApi, loopbackWhoAmI, type ApiCall, type WhoAmI } from './api-client.ts';
export { SESSION_COOKIE, createSessionStore, signInLinkPath } from './session.ts';

import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Grafana's HTTP API (no Grafana server can be installed here) that checks
 * every request against the documented contract (docs/service-notes.md, "Grafana HTTP API") and records any
 * violation, so a test fails when the client sends something Grafana would reject or misread:
 * Bearer token, JSON bodies, folders `{uid,title}`, dashboards `{dashboard{uid,title,id:null},
 * folderUid, overwrite, message}`, uids of at most 40 characters, folder existing before use.
 */
export interface FakeGrafana {
  url: string;
  token: string;
  violations: string[];
  requests: Array<{ method: string; path: string; body: unknown }>;
  folders: Map<string, { uid: string; title: string }>;
  /** The schemaVersion this Grafana writes (42: Grafana 12 and 13; 41: 11.6). */
  schemaVersion: number;
  dashboards: Map<string, { dashboard: Record<string, unknown>; folderUid: string; version: number }>;
  /** Answer 412 to saves of this uid unless `dashboard.version` equals the stored version; `always` = every time. */
  versionCheck: Map<string, 'match' | 'always'>;
  /** Next N requests get this status (e.g. 503) before the contract checks. */
  failNext: { status: number; count: number };
  /** GET /api/folders/:uid answers 404 even when it exists (a folder created concurrently -> POST 409). */
  hideFolders: boolean;
  close(): Promise<void>;
}

const UID = /^[A-Za-z0-9_-]{1,40}$/;

export async function startFakeGrafana(token = 'glsa_test_token_0123456789'): Promise<FakeGrafana> {
  const app = express();
  const fake: Omit<FakeGrafana, 'url' | 'close'> = {
    token,
    violations: [],
    requests: [],
    folders: new Map(),
    schemaVersion: 42,
    dashboards: new Map(),
    versionCheck: new Map(),
    failNext: { status: 503, count: 0 },
    hideFolders: false,
  };
  const violate = (res: express.Response, msg: string) => {
    fake.violations.push(msg);
    res.status(400).json({ message: `contract violation: ${msg}` });
  };
  app.use(express.json({ limit: '5mb' }));
  app.use((req, res, next) => {
    fake.requests.push({ method: req.method, path: req.path, body: req.body as unknown });
    if (fake.failNext.count > 0) {
      fake.failNext.count--;
      res.status(fake.failNext.status).json({ message: 'injected failure' });
      return;
    }
    const auth = req.get('authorization');
    if (!auth?.startsWith('Bearer ')) return void res.status(401).json({ message: 'Unauthorized' });
    if (auth !== `Bearer ${token}`) return void res.status(401).json({ message: 'invalid API key' });
    if (req.method === 'POST' && !req.is('application/json'))
      return violate(res, `${req.path}: Content-Type is not application/json`);
    next();
  });
  app.get('/api/folders/:uid', (req, res) => {
    const f = fake.folders.get(req.params.uid);
    if (!f || fake.hideFolders) return void res.status(404).json({ message: 'folder not found' });
    res.json({ id: 1, ...f, url: `/dashboards/f/${f.uid}`, version: 1 });
  });
  app.post('/api/folders', (req, res) => {
    const b = req.body as { uid?: unknown; title?: unknown };
    if (typeof b.uid !== 'string' || !UID.test(b.uid)) return violate(res, `folder uid ${String(b.uid)} invalid`);
    if (typeof b.title !== 'string' || !b.title) return violate(res, 'folder title missing');
    if (fake.folders.has(b.uid))
      return void res.status(409).json({ message: 'a folder with the same uid already exists' });
    fake.folders.set(b.uid, { uid: b.uid, title: b.title });
    res.json({ id: fake.folders.size, uid: b.uid, title: b.title, url: `/dashboards/f/${b.uid}`, version: 1 });
  });
  app.post('/api/dashboards/db', (req, res) => {
    const b = req.body as {
      dashboard?: Record<string, unknown>;
      folderUid?: unknown;
      overwrite?: unknown;
      message?: unknown;
      folderId?: unknown;
    };
    const d = b.dashboard;
    if (!d || typeof d !== 'object') return violate(res, 'dashboard missing');
    if (typeof d.uid !== 'string' || !UID.test(d.uid)) return violate(res, `dashboard uid ${String(d.uid)} invalid`);
    if (typeof d.title !== 'string' || !d.title) return violate(res, 'dashboard title missing');
    // A Grafana older than the JSON's schema version does not migrate it and may misread it.
    if (typeof d.schemaVersion !== 'number' || d.schemaVersion > fake.schemaVersion)
      return violate(
        res,
        `${d.uid}: schemaVersion ${String(d.schemaVersion)} is newer than this Grafana's ${fake.schemaVersion}`,
      );
    if (JSON.stringify(d).includes('"placement":"inControlsMenu"'))
      return violate(res, `${d.uid}: "placement" hides links and annotation toggles in a drop-down`);
    if (d.id !== null && d.id !== undefined)
      return violate(res, `${d.uid}: dashboard.id must be null when saving by uid`);
    if (b.folderId !== undefined) return violate(res, `${d.uid}: folderId is deprecated, use folderUid`);
    if (typeof b.folderUid !== 'string')
      return violate(res, `${d.uid}: folderUid missing (an update would move the dashboard to General)`);
    if (b.overwrite !== true) return violate(res, `${d.uid}: overwrite must be true for generated dashboards`);
    if (b.message !== undefined && typeof b.message !== 'string') return violate(res, 'message must be a string');
    if (b.folderUid !== '' && !fake.folders.has(b.folderUid))
      return void res.status(400).json({ message: 'folder not found' });
    const stored = fake.dashboards.get(d.uid);
    const check = fake.versionCheck.get(d.uid);
    if (stored && (check === 'always' || (check === 'match' && d.version !== stored.version))) {
      return void res
        .status(412)
        .json({ status: 'version-mismatch', message: 'The dashboard has been changed by someone else' });
    }
    const version = (stored?.version ?? 0) + 1;
    fake.dashboards.set(d.uid, { dashboard: d, folderUid: b.folderUid, version });
    res.json({ id: 7, uid: d.uid, url: `/d/${d.uid}/slug`, status: 'success', version, slug: 'slug' });
  });
  app.get('/api/dashboards/uid/:uid', (req, res) => {
    const s = fake.dashboards.get(req.params.uid);
    if (!s) return void res.status(404).json({ message: 'Dashboard not found' });
    res.json({
      dashboard: { ...s.dashboard, version: s.version },
      meta: { folderUid: s.folderUid, url: `/d/${req.params.uid}/slug` },
    });
  });
  app.use((req, res) => violate(res, `unexpected ${req.method} ${req.path}`));

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

import express, { Router } from 'express';
import { ProblemError } from '../../contract/index.ts';
import { ReceiverConfigError, redactReceiver } from './config.ts';
import type { Route } from './routing.ts';
import type { SetupStore } from './setup-store.ts';

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** A route as the file and the API spell it (local times as HH:MM). */
export function routeView(r: Route): Record<string, unknown> {
  const { time, ...rest } = r;
  if (!time) return rest;
  const { fromMin, toMin, ...t } = time;
  return { ...rest, time: { ...t, from: hhmm(fromMin), to: hhmm(toMin) } };
}

const invalid = (err: unknown): never => {
  if (err instanceof ReceiverConfigError)
    throw new ProblemError('validation_failed', err.message, [{ path: err.field, message: err.message }]);
  throw err;
};

/**
 * `GET|PUT|POST /receivers`, `DELETE /receivers/:name`, `GET|PUT /routes` and `DELETE /routes/:name`
 * (docs/alerts.md, "Receivers and routes"). Answers never carry a receiver's URL, secret, bot
 * token or routing key. With a routes file the API only reads. A receiver still named by a route
 * or the default is not deleted (422 naming that field).
 */
export function createReceiversHttpApi(store: SetupStore): Router {
  const r = Router();
  const writable = () => {
    if (store.source() === 'file')
      throw new ProblemError('forbidden', 'receivers and routes are configured by WANWATCH_ROUTES_FILE');
  };
  const object = (body: unknown): Record<string, unknown> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ProblemError('validation_failed', 'the body must be a JSON object', [
        { path: '(root)', message: 'must be an object' },
      ]);
    return body as Record<string, unknown>;
  };
  const receiversAnswer = async () => ({
    source: store.source(),
    receivers: (await store.current()).receivers.map(redactReceiver),
  });
  const routesAnswer = async () => {
    const s = await store.current();
    return { source: store.source(), routes: s.routes.map(routeView), default: s.defaultReceivers };
  };

  r.get('/receivers', async (_req, res) => {
    res.json(await receiversAnswer());
  });
  const json = express.json({ limit: '64kb' });
  r.put('/receivers', json, async (req, res) => {
    writable();
    const body = object(req.body);
    const prev = (await store.input()) ?? {};
    await store.save({ ...prev, receivers: body.receivers }).catch(invalid);
    res.json(await receiversAnswer());
  });
  // One receiver at a time (the web console's admin page): the others keep their stored secrets.
  const storedReceivers = (input: Record<string, unknown>): unknown[] =>
    Array.isArray(input.receivers) ? input.receivers : [];
  r.post('/receivers', json, async (req, res) => {
    writable();
    const body = object(req.body);
    const prev = (await store.input()) ?? {};
    await store.save({ ...prev, receivers: [...storedReceivers(prev), body] }).catch(invalid);
    res.status(201).json(await receiversAnswer());
  });
  r.get('/routes', async (_req, res) => {
    res.json(await routesAnswer());
  });
  r.put('/routes', json, async (req, res) => {
    writable();
    const body = object(req.body);
    const prev = (await store.input()) ?? { receivers: [] };
    const next: Record<string, unknown> = { receivers: prev.receivers, routes: body.routes ?? [] };
    if (body.default !== undefined) next.default = body.default;
    await store.save(next).catch(invalid);
    res.json(await routesAnswer());
  });
  r.delete('/receivers/:name', async (req, res) => {
    writable();
    const prev = await store.input();
    const list = Array.isArray(prev?.receivers) ? (prev.receivers as Array<{ name?: unknown }>) : [];
    const name = req.params.name as string;
    if (!prev || !list.some((x) => x.name === name)) throw new ProblemError('not_found', `no receiver "${name}"`);
    await store.save({ ...prev, receivers: list.filter((x) => x.name !== name) }).catch(invalid);
    res.status(204).end();
  });
  r.delete('/routes/:name', async (req, res) => {
    writable();
    const prev = await store.input();
    const list = Array.isArray(prev?.routes) ? (prev.routes as Array<{ name?: unknown }>) : [];
    const name = req.params.name as string;
    if (!prev || !list.some((x) => x.name === name)) throw new ProblemError('not_found', `no route "${name}"`);
    await store.save({ ...prev, routes: list.filter((x) => x.name !== name) }).catch(invalid);
    res.status(204).end();
  });
  return r;
}

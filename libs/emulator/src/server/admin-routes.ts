/**
 * The emulator's own endpoints, under a path no AWS API uses:
 *   GET    /_tributary/health          liveness and what is served
 *   GET    /_tributary/faults          the fault rules in force
 *   POST   /_tributary/faults          add a rule (JSON body, see fault-injector.ts); answers 201 with the rule
 *   DELETE /_tributary/faults          remove every rule
 *   DELETE /_tributary/faults/<id>     remove one rule
 */
import { ZodError } from 'zod';
import type { FaultInjector } from './fault-injector';
import { readBody, sendJson, type Req, type Res } from './http-exchange';

export const ADMIN_PREFIX = '/_tributary/';

export interface AdminDeps {
  faults: FaultInjector;
  services: string[];
}

export async function handleAdmin(deps: AdminDeps, req: Req, res: Res, path: string): Promise<void> {
  const json = (status: number, body: unknown): void => sendJson(res, status, body, {}, 'application/json');
  if (path === '/_tributary/health' && req.method === 'GET') return json(200, { status: 'ok', services: deps.services });
  if (path === '/_tributary/faults') {
    if (req.method === 'GET') return json(200, { rules: deps.faults.list() });
    if (req.method === 'DELETE') {
      deps.faults.clear();
      return json(200, { rules: [] });
    }
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8'));
      } catch {
        return json(400, { title: 'Bad Request', detail: 'The body must be a JSON fault rule.' });
      }
      try {
        return json(201, deps.faults.add(body as never));
      } catch (err) {
        if (err instanceof ZodError) {
          return json(400, {
            title: 'Bad Request',
            detail: 'Invalid fault rule.',
            errors: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          });
        }
        throw err;
      }
    }
    return json(405, { title: 'Method Not Allowed' });
  }
  const one = /^\/_tributary\/faults\/([\w-]+)$/.exec(path);
  if (one && req.method === 'DELETE') {
    return deps.faults.remove(one[1]) ? json(200, { removed: one[1] }) : json(404, { title: 'Not Found', detail: `No fault rule ${one[1]}.` });
  }
  return json(404, { title: 'Not Found', detail: `No admin endpoint ${req.method} ${path}.` });
}

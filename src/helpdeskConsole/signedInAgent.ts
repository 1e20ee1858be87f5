import type { Request } from 'restify';
import { bearerIs } from '../safety/bearerToken';

/** The header the console sends the agent's name in, URI-encoded (header values are Latin-1). */
export const AGENT_HEADER = 'x-helpdesk-agent';
const MAX_NAME = 100;

/**
 * THE SIGN-IN SEAM: the name of the agent signed in to the console, or null.
 *
 * For now the helpdesk API token (`Authorization: Bearer HELPDESK_API_TOKEN`) plus the name the
 * agent typed (`X-Helpdesk-Agent`). The console's sign-in (OIDC or the token, with a session
 * cookie; issue 15, part 3) replaces this body, and the name then comes from the sign-in.
 */
export function helpdeskAgent(req: Request, apiToken: string): string | null {
  if (!bearerIs(req.header('authorization'), apiToken)) return null;
  let name: string;
  try {
    name = decodeURIComponent(req.header(AGENT_HEADER) ?? '').trim();
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return name && name.length <= MAX_NAME && !/[\u0000-\u001f\u007f]/.test(name) ? name : null;
}

import { ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import type { Logger } from '../logging';

/** Bounds on one outgoing call: the time allowed per attempt, and how many attempts follow a transient failure. */
export interface OutgoingPolicy {
  timeoutMs: number;
  retries: number;
  /** First backoff; doubled per retry, with jitter. */
  baseDelayMs?: number;
  /** No wait (backoff or Retry-After) is longer. */
  maxDelayMs?: number;
}

export const DEFAULT_OUTGOING: Required<OutgoingPolicy> = { timeoutMs: 10_000, retries: 2, baseDelayMs: 500, maxDelayMs: 8_000 };

export function outgoingPolicy(settings: { OUTGOING_TIMEOUT_MS?: number; OUTGOING_RETRIES?: number }): Required<OutgoingPolicy> {
  return { ...DEFAULT_OUTGOING, timeoutMs: settings.OUTGOING_TIMEOUT_MS ?? DEFAULT_OUTGOING.timeoutMs, retries: settings.OUTGOING_RETRIES ?? DEFAULT_OUTGOING.retries };
}

/** The wait before retry `attempt` (0-based): exponential with "equal jitter", capped. */
export function backoffMs(policy: Required<OutgoingPolicy>, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Slack Web API client options (Bolt's `clientOptions`): each call times out after `timeoutMs` and is
 * tried `retries` more times with exponential backoff. The WebClient retries network errors, timeouts,
 * non-200 answers and 429 (after waiting the Retry-After Slack gives). Its default is ten retries
 * over about thirty minutes, during which the conversation's turn would wait.
 */
export function slackClientOptions(policy: Required<OutgoingPolicy>) {
  return {
    timeout: policy.timeoutMs,
    retryConfig: { retries: policy.retries, factor: 2, minTimeout: policy.baseDelayMs, maxTimeout: policy.maxDelayMs, randomize: true },
  };
}

// ---- Bot Framework connector ----
// The connector client (botframework-connector on @azure/core-client) sends through an
// @azure/core-rest-pipeline pipeline. Its default retry policy retries 5xx, 408, network errors and
// 429/503 with Retry-After (3 retries, 1 s doubling to 64 s) but sets no timeout, and a request that
// times out would not be retried. The connector factory replaces any request policies given in the
// client options, so the policy is put into each client's pipeline as it is created.

interface PipelineRequestLike {
  url: string;
  method: string;
  timeout: number;
  abortSignal?: { aborted: boolean };
}
interface PipelineResponseLike {
  status: number;
  headers: { get(name: string): string | undefined };
}
type SendRequest = (request: PipelineRequestLike) => Promise<PipelineResponseLike>;
interface PipelinePolicyLike {
  name: string;
  sendRequest(request: PipelineRequestLike, next: SendRequest): Promise<PipelineResponseLike>;
}
interface PipelineLike {
  addPolicy(policy: PipelinePolicyLike, options?: { phase?: 'Retry' }): void;
  removePolicy(options: { name?: string }): unknown[];
  getOrderedPolicies(): Array<{ name: string }>;
}

export const CONNECTOR_RETRY_POLICY = 'helpdeskBoundedRetryPolicy';
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Network errors worth another attempt (a DNS failure is not: it will not fix itself in a second). */
const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

/** Retry-After in ms (seconds or an HTTP date), if the response has one. */
function retryAfterMs(response: PipelineResponseLike | undefined): number | undefined {
  const value = response?.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * A pipeline policy for the Retry phase: every attempt gets `timeoutMs`; a timeout, a network error
 * or a 408/429/5xx answer is tried again up to `retries` times, after the backoff or the server's
 * Retry-After, whichever is longer, at most `maxDelayMs`. Anything else (4xx) is final.
 */
export function boundedRetryPolicy(policy: Required<OutgoingPolicy>, log?: Logger): PipelinePolicyLike {
  return {
    name: CONNECTOR_RETRY_POLICY,
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        request.timeout = policy.timeoutMs;
        let response: PipelineResponseLike | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        // The caller gave up: no retry.
        if (request.abortSignal?.aborted) throw error ?? new Error('the request was aborted');
        const code = (error as { code?: unknown; name?: unknown } | undefined)?.code;
        // Our timeout aborts the attempt (AbortError); the caller's signal was checked above.
        const timedOut = (error as { name?: unknown } | undefined)?.name === 'AbortError';
        const transient = error !== undefined ? timedOut || (typeof code === 'string' && RETRY_CODES.has(code)) : RETRY_STATUSES.has(response!.status);
        if (!transient || attempt >= policy.retries) {
          if (error !== undefined) throw error;
          return response!;
        }
        const wait = Math.min(policy.maxDelayMs, Math.max(backoffMs(policy, attempt), retryAfterMs(response) ?? 0));
        log?.warn({ component: 'connector', attempt: attempt + 1, of: policy.retries, status: response?.status, code: timedOut ? 'TIMEOUT' : code, waitMs: wait }, 'connector call failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    },
  };
}

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type AuthenticateResult = ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>;
type ClaimsIdentity = Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0];
/** Service URLs are few (a region's each); more than this are dropped oldest first. */
const MAX_CONNECTOR_CLIENTS = 64;

/** Puts the bounded retry policy in place of the default one in a connector client's pipeline. */
export function boundConnectorClient(client: ConnectorClient, policy: Required<OutgoingPolicy>, log?: Logger): boolean {
  // ServiceClientContext keeps its @azure/core-client ServiceClient in `client` (not in its typings).
  const pipeline = (client as unknown as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
  if (!pipeline || typeof pipeline.addPolicy !== 'function' || typeof pipeline.removePolicy !== 'function') return false;
  if (pipeline.getOrderedPolicies().some((p) => p.name === CONNECTOR_RETRY_POLICY)) return true;
  pipeline.removePolicy({ name: 'defaultRetryPolicy' });
  pipeline.addPolicy(boundedRetryPolicy(policy, log), { phase: 'Retry' });
  return true;
}

/**
 * ConfigurationBotFrameworkAuthentication whose connector clients (a turn's replies, proactive
 * messages, new conversations) have a per-attempt timeout and bounded retries with backoff. Token requests
 * to Microsoft Entra ID (MSAL) and the OpenID metadata used to check incoming tokens keep their
 * libraries' own behaviour.
 */
export class BoundedBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private warned = false;
  /**
   * The connector clients made so far, by bot, service URL and audience: botbuilder makes a client
   * (credentials, pipeline, serializer) for every turn, about 0.3 ms of CPU each; as its older
   * BotFrameworkAdapter did, one is made for each and kept. Bounded, as service URLs come from requests.
   */
  private readonly clients = new Map<string, Promise<ConnectorClient>>();

  constructor(
    settings: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly policy: Required<OutgoingPolicy>,
    private readonly log?: Logger,
  ) {
    super(settings);
  }

  // Proactive calls (continueConversation, createConversation) get their factory here…
  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.bounded(super.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  // …but a turn's replies use the one authenticating the request made.
  override async authenticateRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateRequest']>): AuthenticateResult {
    const result = await super.authenticateRequest(...args);
    return result.connectorFactory ? { ...result, connectorFactory: this.bounded(result.connectorFactory, result.claimsIdentity) } : result;
  }

  override async authenticateStreamingRequest(...args: Parameters<ConfigurationBotFrameworkAuthentication['authenticateStreamingRequest']>): AuthenticateResult {
    const result = await super.authenticateStreamingRequest(...args);
    return result.connectorFactory ? { ...result, connectorFactory: this.bounded(result.connectorFactory, result.claimsIdentity) } : result;
  }

  private bounded(inner: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    // The bot the factory's clients speak for, as botbuilder takes it from the claims (channels put
    // it in the audience, the Emulator in appid); everything else a factory holds is this instance's.
    const bot = [claimsIdentity.getClaimValue('aud'), claimsIdentity.getClaimValue('appid')];
    const factory: Pick<ConnectorFactory, 'create'> = {
      create: (serviceUrl, audience) => {
        const key = JSON.stringify([...bot, serviceUrl, audience]);
        let client = this.clients.get(key);
        if (!client) {
          client = this.make(inner, serviceUrl, audience);
          if (this.clients.size >= MAX_CONNECTOR_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
          this.clients.set(key, client);
          client.catch(() => this.clients.delete(key));
        }
        return client;
      },
    };
    return factory as ConnectorFactory;
  }

  private async make(inner: ConnectorFactory, serviceUrl: string, audience: string | undefined): Promise<ConnectorClient> {
    const client = await inner.create(serviceUrl, audience);
    if (!boundConnectorClient(client, this.policy, this.log) && !this.warned) {
      this.warned = true;
      this.log?.warn('connector client pipeline not found: outgoing Bot Framework calls keep the library defaults (no timeout)');
    }
    return client;
  }
}

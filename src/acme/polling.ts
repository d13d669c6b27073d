/** Bounded, resumable polling of authorizations and orders, honouring Retry-After (RFC 8555 §7.5.1, §7.4). */
import { getAuthorization } from "./authorization";
import type { AcmeContext } from "./context";
import { getOrder } from "./order";
import { AcmeProblem, AcmeTimeoutError, type AcmeSubproblem } from "./problem";
import type { AcmeAuthorization, AcmeOrder, ResourceMeta } from "./resources";
import { RETRY_POLICY } from "./retry-policy";

/** Not an RFC type: a resource reached a final state other than the one asked for (expired, deactivated, revoked). */
const UNEXPECTED_STATUS_TYPE = "urn:certdesk:acme:error:unexpectedStatus";

export interface WaitOptions {
  /** Absolute deadline, ms since the epoch (same clock as the client's `now`). */
  deadline: number;
}

/** One poll step: the resource, whether it has settled, and when to look again if not. */
export interface PollResult<T> {
  resource: T;
  /** True once the resource left pending/processing in the wanted direction. */
  settled: boolean;
  /** When the next poll should happen (ms since epoch): Retry-After if the CA sent one, else the schedule. */
  nextPollAt: number;
}

/**
 * One poll of an authorization. Settled when `valid`; throws an AcmeProblem when it is `invalid`
 * (the failed challenge's error, with the identifier as subproblem) or otherwise final.
 */
export async function pollAuthorization(ctx: AcmeContext, url: string, attempt = 0): Promise<PollResult<AcmeAuthorization>> {
  const authorization = await getAuthorization(ctx, url);
  if (authorization.status !== "pending") {
    if (authorization.status !== "valid") throw authorizationProblem(authorization);
    return { resource: authorization, settled: true, nextPollAt: ctx.now() };
  }
  return { resource: authorization, settled: false, nextPollAt: nextPollAt(ctx, authorization, attempt) };
}

/**
 * One poll of an order. Settled when `ready` (authorizations done, RFC 8555 §7.4 "ready") or `valid`
 * (certificate issued); throws an AcmeProblem when it is `invalid`.
 */
export async function pollOrder(ctx: AcmeContext, url: string, attempt = 0): Promise<PollResult<AcmeOrder>> {
  const order = await getOrder(ctx, url);
  if (order.status === "invalid") throw orderProblem(order);
  const settled = order.status === "ready" || order.status === "valid";
  return { resource: order, settled, nextPollAt: settled ? ctx.now() : nextPollAt(ctx, order, attempt) };
}

/** Polls until the authorization is valid; an AcmeTimeoutError (with the last state) when the deadline comes first. */
export function waitForAuthorization(ctx: AcmeContext, url: string, options: WaitOptions): Promise<AcmeAuthorization> {
  return waitFor(ctx, (attempt) => pollAuthorization(ctx, url, attempt), options, `authorization ${url}`);
}

/** Polls until the order is ready or valid; an AcmeTimeoutError (with the last state) when the deadline comes first. */
export function waitForOrder(ctx: AcmeContext, url: string, options: WaitOptions): Promise<AcmeOrder> {
  return waitFor(ctx, (attempt) => pollOrder(ctx, url, attempt), options, `order ${url}`);
}

/** The problem an `invalid` (or expired, deactivated, revoked) authorization stands for. */
export function authorizationProblem(authorization: AcmeAuthorization): AcmeProblem {
  const failed = authorization.challenges.find((c) => c.status === "invalid" && c.error) ?? authorization.challenges.find((c) => c.error);
  const identifier = authorization.identifier;
  if (authorization.status === "invalid" && failed?.error) {
    const error = failed.error;
    // RFC 8555 §6.7.1: say which identifier failed, as a subproblem, keeping any the CA sent.
    const subproblems: AcmeSubproblem[] = error.subproblems?.length
      ? error.subproblems
      : [{ type: error.type, ...(error.detail !== undefined ? { detail: error.detail } : {}), identifier }];
    return new AcmeProblem({
      type: error.type,
      detail: `${failed.type} validation of ${identifier.value} failed${error.detail ? `: ${error.detail}` : ""}`,
      status: error.status ?? 403,
      subproblems,
      url: authorization.url,
    });
  }
  return new AcmeProblem({
    type: UNEXPECTED_STATUS_TYPE,
    detail: `authorization for ${identifier.value} is ${authorization.status}`,
    subproblems: [{ type: UNEXPECTED_STATUS_TYPE, detail: authorization.status, identifier }],
    url: authorization.url,
  });
}

/** The problem an `invalid` order stands for (RFC 8555 §7.1.3 `error`). */
function orderProblem(order: AcmeOrder): AcmeProblem {
  if (order.error) return AcmeProblem.fromDocument(order.error, { url: order.url });
  return new AcmeProblem({ type: UNEXPECTED_STATUS_TYPE, detail: `order is ${order.status}`, url: order.url });
}

async function waitFor<T extends ResourceMeta & { status: string }>(
  ctx: AcmeContext,
  poll: (attempt: number) => Promise<PollResult<T>>,
  options: WaitOptions,
  what: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const result = await poll(attempt);
    if (result.settled) return result.resource;
    if (result.nextPollAt > options.deadline) {
      // Bounded wait: the caller (a Durable Object alarm) resumes at nextPollAt with a single poll.
      throw new AcmeTimeoutError(`${what} is still ${result.resource.status}`, result.resource, {
        url: result.resource.url,
        nextPollAt: result.nextPollAt,
        ...(result.resource.retryAfter !== undefined ? { retryAfter: result.resource.retryAfter } : {}),
      });
    }
    await ctx.sleep(Math.max(0, result.nextPollAt - ctx.now()));
  }
}

function nextPollAt(ctx: AcmeContext, resource: ResourceMeta, attempt: number): number {
  const schedule = RETRY_POLICY.pollScheduleMs;
  const delay =
    resource.retryAfter !== undefined
      ? Math.min(resource.retryAfter * 1000, RETRY_POLICY.maxPollDelayMs)
      : schedule[Math.min(attempt, schedule.length - 1)]!;
  return ctx.now() + delay;
}

import { describe, expect, it } from "vitest";
import { nextRetryAt, RETRY_SCHEDULE_MS } from "../../../src/renewal/backoff";
import { expiryWindowMs, isExpiringSoon as pkiIsExpiringSoon } from "../../../src/pki/expiry";
import { isExpiringSoon } from "../../../src/renewal/expiry";
import { RENEWAL_GRACE_MS, renewalDueAt, renewalOverdueAt } from "../../../src/renewal/policy";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe("renewalDueAt without ARI", () => {
  it.each([
    { name: "90-day: a third remains (day 60)", lifetimeDays: 90, wantDay: 60 },
    { name: "45-day: a third remains (day 30)", lifetimeDays: 45, wantDay: 30 },
    { name: "6-day: half remains (day 3)", lifetimeDays: 6, wantDay: 3 },
    { name: "160-hour shortlived: half remains", lifetimeDays: 160 / 24, wantDay: 80 / 24 },
    { name: "10-day: a third remains", lifetimeDays: 10, wantDay: 10 - 10 / 3 },
    { name: "1-year custom: a third remains", lifetimeDays: 365, wantDay: 365 - 365 / 3 },
  ])("$name", ({ lifetimeDays, wantDay }) => {
    const due = renewalDueAt({ issuedAt: T0, expiresAt: T0 + lifetimeDays * DAY });
    expect(due).toBeCloseTo(T0 + wantDay * DAY, -3);
  });
});

describe("renewalDueAt with ARI", () => {
  const issuedAt = T0;
  const expiresAt = T0 + 90 * DAY;
  it.each([
    { name: "window in the future: a point inside it", window: { start: T0 + 50 * DAY, end: T0 + 52 * DAY }, random: 0.5, want: T0 + 51 * DAY },
    { name: "window start when random is 0", window: { start: T0 + 50 * DAY, end: T0 + 52 * DAY }, random: 0, want: T0 + 50 * DAY },
    { name: "window in the past: due at once (before now)", window: { start: T0 + 1 * DAY, end: T0 + 2 * DAY }, random: 0.5, want: T0 + 1.5 * DAY },
    { name: "window past the last twentieth: capped", window: { start: T0 + 88 * DAY, end: T0 + 89 * DAY }, random: 0.5, want: expiresAt - 4.5 * DAY },
    { name: "malformed: end before start falls back to a third", window: { start: T0 + 52 * DAY, end: T0 + 50 * DAY }, random: 0.5, want: T0 + 60 * DAY },
    { name: "malformed: NaN falls back to a third", window: { start: Number.NaN, end: T0 + 50 * DAY }, random: 0.5, want: T0 + 60 * DAY },
    { name: "malformed: empty window falls back", window: { start: T0 + 50 * DAY, end: T0 + 50 * DAY }, random: 0.5, want: T0 + 60 * DAY },
  ])("$name", ({ window, random, want }) => {
    expect(renewalDueAt({ issuedAt, expiresAt, ariWindow: window, random: () => random })).toBe(want);
  });
});

describe("renewal and the expiring-soon rule", () => {
  it("status reads the PKI core's rule (one rule for upload warnings, status and renewal)", () => {
    expect(isExpiringSoon).toBe(pkiIsExpiringSoon);
  });

  // Without ARI a certificate renewed on schedule never shows `expiring_soon`: it falls due by the time the
  // window opens (a third or half of the lifetime left, against at most a third).
  it.each([6, 160 / 24, 10, 45, 89, 90, 365])("a %f-day certificate falls due no later than it turns expiring soon", (lifetimeDays) => {
    const expiresAt = T0 + lifetimeDays * DAY;
    const due = renewalDueAt({ issuedAt: T0, expiresAt });
    expect(isExpiringSoon(T0, expiresAt, due - 1)).toBe(false);
    expect(expiresAt - due).toBeGreaterThanOrEqual(expiryWindowMs(T0, expiresAt) - 1);
  });
});

describe("nextRetryAt", () => {
  const expiresAt = T0 + 30 * DAY;
  it.each([
    { failures: 1, want: 1 * HOUR },
    { failures: 2, want: 2 * HOUR },
    { failures: 3, want: 4 * HOUR },
    { failures: 6, want: 24 * HOUR },
    { failures: 40, want: 24 * HOUR },
  ])("failure $failures waits $want ms", ({ failures, want }) => {
    expect(nextRetryAt({ failures, now: T0, expiresAt }) - T0).toBe(want);
  });

  it("honours a longer Retry-After from the CA", () => {
    expect(nextRetryAt({ failures: 1, now: T0, expiresAt, retryAfterSeconds: 3 * 3600 }) - T0).toBe(3 * HOUR);
    expect(nextRetryAt({ failures: 3, now: T0, expiresAt, retryAfterSeconds: 60 }) - T0).toBe(4 * HOUR);
  });

  it("retries more often near expiry", () => {
    const soon = T0 + 8 * HOUR;
    const delay = nextRetryAt({ failures: 6, now: T0, expiresAt: soon }) - T0;
    expect(delay).toBe(2 * HOUR);
    expect(RETRY_SCHEDULE_MS.at(-1)).toBe(24 * HOUR);
  });
});

describe("renewalOverdueAt: when a renewal not yet done is late", () => {
  const issuedAt = T0;
  const expiresAt = T0 + 90 * DAY;
  it.each([
    { name: "90-day, no ARI: a day after its fixed point", expiresAt, ariWindow: null, want: T0 + 61 * DAY },
    { name: "6-day, no ARI: a twentieth of the lifetime (7.2 h) after half", expiresAt: T0 + 6 * DAY, ariWindow: null, want: T0 + 3 * DAY + 7.2 * HOUR },
    { name: "ARI: a day after the window's end, wherever the point was drawn", expiresAt, ariWindow: { start: T0 + 40 * DAY, end: T0 + 45 * DAY }, want: T0 + 46 * DAY },
    { name: "ARI past the last twentieth: capped like the due time", expiresAt, ariWindow: { start: T0 + 88 * DAY, end: T0 + 89 * DAY }, want: expiresAt - 4.5 * DAY + DAY },
    { name: "malformed ARI: the fixed point's", expiresAt, ariWindow: { start: T0 + 45 * DAY, end: T0 + 40 * DAY }, want: T0 + 61 * DAY },
    { name: "a lifetime of an hour: never after expiry", expiresAt: T0 + HOUR, ariWindow: { start: T0 + HOUR, end: T0 + 2 * HOUR }, want: T0 + HOUR },
  ])("$name", ({ expiresAt, ariWindow, want }) => {
    expect(renewalOverdueAt({ issuedAt, expiresAt, ariWindow })).toBeCloseTo(want, -3);
  });

  it("is never before any due time the ARI window can draw", () => {
    const ariWindow = { start: T0 + 50 * DAY, end: T0 + 52 * DAY };
    const overdueAt = renewalOverdueAt({ issuedAt, expiresAt, ariWindow });
    for (const random of [0, 0.5, 0.999999]) {
      expect(overdueAt - renewalDueAt({ issuedAt, expiresAt, ariWindow, random: () => random })).toBeGreaterThanOrEqual(RENEWAL_GRACE_MS);
    }
  });
});

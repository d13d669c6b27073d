/**
 * When the `certificate.expiring` webhooks fall: 30/14/7/1 days for 90-day certificates, in proportion for shorter ones;
 * for a certificate that renews itself, only once its renewal failed or is overdue.
 */
import { describe, expect, it } from "vitest";
import { isExpiringSoon } from "../../../src/pki/expiry";
import {
  EXPIRED_LEVEL,
  expiryNoticeLevel,
  expiryNoticeOffsetsMs,
  expiryNoticeThresholdDays,
  nextExpiryNoticeAt,
  type RenewalFacts,
  renewalStanding,
} from "../../../src/renewal/expiry-notices";
import { renewalOverdueAt } from "../../../src/renewal/policy";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const days = (offsets: number[]) => offsets.map((ms) => Math.round((ms / DAY) * 1000) / 1000);

describe("expiryNoticeOffsetsMs", () => {
  it.each([
    { lifetime: 365, want: [30, 14, 7, 1] },
    { lifetime: 90, want: [30, 14, 7, 1] },
    { lifetime: 45, want: [15, 7, 3.5, 0.5] },
    { lifetime: 6, want: [2, 0.933, 0.467, 0.067] },
  ])("$lifetime-day certificate: $want days before expiry", ({ lifetime, want }) => {
    expect(days(expiryNoticeOffsetsMs(T0, T0 + lifetime * DAY))).toEqual(want);
  });

  it("the first notice is exactly when the certificate turns 'expiring soon' (pki/expiry.ts), whatever the lifetime", () => {
    for (const lifetime of [3, 6, 10, 45, 89, 90, 200]) {
      const expiresAt = T0 + lifetime * DAY;
      const first = expiresAt - expiryNoticeOffsetsMs(T0, expiresAt)[0]!;
      expect(isExpiringSoon(T0, expiresAt, first - 1), `${lifetime} days`).toBe(false);
      expect(isExpiringSoon(T0, expiresAt, first), `${lifetime} days`).toBe(true);
      expect(expiryNoticeLevel(T0, expiresAt, first - 1)).toBe(0);
      expect(expiryNoticeLevel(T0, expiresAt, first)).toBe(1);
    }
  });
});

describe("expiryNoticeLevel", () => {
  const expiresAt = T0 + 90 * DAY;
  it.each([
    { left: 45, level: 0 },
    { left: 30.01, level: 0 },
    { left: 30, level: 1 },
    { left: 14.5, level: 1 },
    { left: 14, level: 2 },
    { left: 7, level: 3 },
    { left: 2, level: 3 },
    { left: 1, level: 4 },
    { left: 0.001, level: 4 },
    { left: 0, level: EXPIRED_LEVEL },
    { left: -3, level: EXPIRED_LEVEL },
  ])("a 90-day certificate with $left days left is at level $level", ({ left, level }) => {
    expect(expiryNoticeLevel(T0, expiresAt, expiresAt - left * DAY)).toBe(level);
  });

  it("a 6-day certificate announces nothing for its first four days", () => {
    const short = T0 + 6 * DAY;
    expect(expiryNoticeLevel(T0, short, T0)).toBe(0);
    expect(expiryNoticeLevel(T0, short, T0 + 3.9 * DAY)).toBe(0);
    expect(expiryNoticeLevel(T0, short, T0 + 4 * DAY)).toBe(1);
    expect(expiryNoticeLevel(T0, short, T0 + 5.95 * DAY)).toBe(4);
  });
});

describe("nextExpiryNoticeAt and the threshold announced", () => {
  it("walks the notices of a 90-day certificate, then its expiry, then nothing", () => {
    const expiresAt = T0 + 90 * DAY;
    const walk: (number | null)[] = [];
    for (let level = 0; level <= EXPIRED_LEVEL; level++) {
      const next = nextExpiryNoticeAt(T0, expiresAt, level);
      walk.push(next === null ? null : (expiresAt - next) / DAY);
      if (next !== null) expect(expiryNoticeLevel(T0, expiresAt, next)).toBe(level + 1);
    }
    expect(walk).toEqual([30, 14, 7, 1, 0, null]);
    expect([1, 2, 3, 4].map((level) => expiryNoticeThresholdDays(T0, expiresAt, level))).toEqual([30, 14, 7, 1]);
    expect(expiryNoticeThresholdDays(T0, expiresAt, 0)).toBeNull();
    expect(expiryNoticeThresholdDays(T0, expiresAt, EXPIRED_LEVEL)).toBeNull();
  });
});

describe("renewalStanding: whether a certificate's notices are sent", () => {
  const expiresAt = T0 + 90 * DAY;
  const renewing: RenewalFacts = {
    issuedAt: T0,
    expiresAt,
    autoRenew: true,
    nextRenewalAt: T0 + 60 * DAY,
    renewalFailures: 0,
    ariWindowStart: null,
    ariWindowEnd: null,
  };
  const overdueAt = renewalOverdueAt({ issuedAt: T0, expiresAt });

  it("renewing on time: the notices wait until the renewal is overdue", () => {
    expect(renewalStanding(renewing, T0 + 60 * DAY)).toEqual({ reason: "on_time", overdueAt });
    expect(renewalStanding(renewing, overdueAt - 1)).toEqual({ reason: "on_time", overdueAt });
    expect(renewalStanding(renewing, overdueAt)).toEqual({ reason: "renewal_overdue" });
  });

  it("a failed attempt makes it overdue at once, also once automatic renewal stopped after it", () => {
    expect(renewalStanding({ ...renewing, renewalFailures: 1 }, T0 + 60 * DAY)).toEqual({ reason: "renewal_failed" });
    expect(renewalStanding({ ...renewing, renewalFailures: 5, nextRenewalAt: null }, T0 + 60 * DAY)).toEqual({ reason: "renewal_failed" });
  });

  it("nothing renews it (renewal off, or nothing scheduled): the lifetime's notices", () => {
    expect(renewalStanding({ ...renewing, autoRenew: false }, T0 + 60 * DAY)).toEqual({ reason: "auto_renew_off" });
    expect(renewalStanding({ ...renewing, nextRenewalAt: null }, T0 + 60 * DAY)).toEqual({ reason: "auto_renew_off" });
  });

  it("the CA's ARI window sets when it is overdue", () => {
    const ari = { ...renewing, ariWindowStart: T0 + 40 * DAY, ariWindowEnd: T0 + 45 * DAY };
    expect(renewalStanding(ari, T0 + 45.5 * DAY)).toEqual({ reason: "on_time", overdueAt: T0 + 46 * DAY });
    expect(renewalStanding(ari, T0 + 46 * DAY)).toEqual({ reason: "renewal_overdue" });
  });
});

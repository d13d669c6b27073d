/** The contract between issuance and a way of proving control of a name to the CA. */

export interface ChallengeTask {
  /** The identifier being validated, without any "*." (RFC 8555 §7.1.4: wildcards are validated on the base name). */
  domain: string;
  token: string;
  keyAuthorization: string;
  /** For DNS-01: base64url(SHA-256(keyAuthorization)) (RFC 8555 §8.4). */
  dnsTxtValue: string;
}

export interface ChallengeSolver {
  readonly type: "http-01" | "dns-01";
  /** Makes the answer available; without `settle`, MUST return only once the CA can see it. */
  present(task: ChallengeTask): Promise<void>;
  /**
   * Returns once every presented answer is visible to the CA. Called once, after all of them are presented: a wildcard
   * and its apex share one TXT name, and a check after the first value would let a resolver cache a one-value answer
   * for the record's TTL.
   */
  settle?(tasks: readonly ChallengeTask[]): Promise<void>;
  /** Removes the answer; MUST NOT throw for an answer already gone. */
  cleanUp(task: ChallengeTask): Promise<void>;
}

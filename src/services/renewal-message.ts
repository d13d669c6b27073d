/** What the renewal queue carries: one certificate the sweep found due (renewal-sweep.ts sends it, renewal-queue.ts consumes it). */
export interface RenewalMessage {
  certificateId: string;
  teamId: string;
  /** The tick's clock (ms): the renewal is judged due as of this instant or now, whichever is later. */
  asOf: number;
}

/**
 * D1 statements per request of the main routes, inside workerd (run by bench/authenticated-read/throughput.mjs): the
 * unit project's setup (bench/workerd-vitest.ts), only d1-queries.measure.ts.
 */
import { workerdBenchConfig } from "../workerd-vitest";

export default workerdBenchConfig({ name: "authenticated-read", include: ["bench/authenticated-read/*.measure.ts"] });

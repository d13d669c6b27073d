/**
 * CPU per step of the validate path inside workerd (run by bench/validate-throughput.mjs, which writes the input file
 * and extracts the "before" src/ first). `#pki-before` is src/pki of that earlier commit, so both versions of the
 * PKI path are timed in the same workerd, samples alternating.
 */
import { readFileSync } from "node:fs";
import { workerdBenchConfig } from "../workerd-vitest";

const inputFile = process.env.VALIDATE_CPU_INPUT;
if (!inputFile) throw new Error("validate-cpu: run it through bench/validate-throughput.mjs (VALIDATE_CPU_INPUT is not set)");
const { beforeSrc, ...options } = JSON.parse(readFileSync(inputFile, "utf8"));

export default workerdBenchConfig({
  name: "validate-cpu",
  include: ["bench/validate-cpu/*.measure.ts"],
  provide: { validateCpu: options },
  alias: { "#pki-before": `${beforeSrc}/pki` },
});

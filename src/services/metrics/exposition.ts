/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): a HELP and a TYPE line for every
 * family, then one line per sample, each line ended by a line feed.
 */

/** What a scraper is told it gets (the same page, "Basic info"). */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; a counter's name ends in `_total` (Prometheus naming conventions). */
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: readonly Sample[];
}

/** "label_value can be any sequence of UTF-8 characters, but backslash (\), double-quote ("), and line feed (\n) characters have to be escaped as \\, \", and \n". */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: "backslash and line feed characters have to be escaped as \\ and \n". */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A Go ParseFloat-readable value: NaN, +Inf, -Inf, or the number (JavaScript's exponent form, e.g. 1e+21, is one). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels)
    .map(([label, value]) => `${label}="${escapeLabelValue(value)}"`)
    .join(",");
  return `${name}${labels === "" ? "" : `{${labels}}`} ${formatValue(sample.value)}\n`;
}

/** The families in order, each with its HELP and TYPE even when it has no samples yet. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const parts: string[] = [];
  for (const family of families) {
    parts.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`);
    for (const sample of family.samples) parts.push(sampleLine(family.name, sample));
  }
  return parts.join("");
}

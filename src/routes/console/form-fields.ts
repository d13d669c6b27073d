/**
 * The fields of the API's own zod schemas as the console's forms build them (a deploy target's settings and
 * credentials, a DNS provider's credentials), so a form asks for exactly what the API validates.
 */
import type { z } from "zod";
import { deployTargetEntries } from "../../deploy/registry";
import { dnsProviders } from "../../dns/registry";

export interface FormFieldSpec {
  /** The body's member name. */
  name: string;
  /** What the label says. */
  label: string;
  required: boolean;
  /** A select's choices (a zod enum). */
  options?: string[];
  /** A value that is not a string (an object such as a JWK or a key file): typed as JSON. */
  json?: boolean;
}

// Acronyms written as people read them ("zoneId" is "Zone ID").
const ACRONYMS: Record<string, string> = { id: "ID", url: "URL", api: "API", arn: "ARN" };

function labelOf(name: string): string {
  const words = name.split(/(?=[A-Z])/).map((word) => ACRONYMS[word.toLowerCase()] ?? word.toLowerCase());
  const first = words[0] ?? name;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...words.slice(1)].join(" ");
}

type Def = { type: string; innerType?: z.ZodType; entries?: Record<string, string> };

function specOf(name: string, schema: z.ZodType): FormFieldSpec {
  let def = (schema as unknown as { def: Def }).def;
  let required = true;
  // An optional or defaulted member may be left out: the API fills in its default.
  while ((def.type === "optional" || def.type === "default") && def.innerType) {
    required = false;
    def = (def.innerType as unknown as { def: Def }).def;
  }
  const spec: FormFieldSpec = { name, label: labelOf(name), required };
  if (def.type === "enum" && def.entries) spec.options = Object.values(def.entries);
  else if (def.type !== "string") spec.json = true;
  return spec;
}

export function formFieldsOf(shape: Record<string, z.ZodType>): FormFieldSpec[] {
  return Object.entries(shape).map(([name, schema]) => specOf(name, schema));
}

/** Each deploy-target kind with its settings and credentials; credentials are optional where the service makes them. */
export const DEPLOY_KIND_FORMS = deployTargetEntries.map((entry) => ({
  kind: entry.kind,
  label: entry.label,
  settings: formFieldsOf(entry.settings.shape),
  credentials: formFieldsOf(entry.credentials.shape),
  credentialsMadeHere: "generateCredentials" in entry && typeof entry.generateCredentials === "function",
}));

/** Each DNS provider with its credentials. */
export const DNS_PROVIDER_FORMS = dnsProviders.map((entry) => ({ name: entry.name, label: entry.label, credentials: formFieldsOf(entry.credentials.shape) }));

/** A value for a served module: JSON holds no backtick and no dollar-brace of its own here, but a module must not carry one. */
export function moduleConstant(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.includes("`") || json.includes("${")) throw new Error("A console module constant may not contain a backtick or dollar-brace");
  return json;
}

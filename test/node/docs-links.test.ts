/** The README and the pages under docs/: every relative link reaches a file, every `#anchor` a heading, and the README stays short. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const README_MAX_LINES = 260;

const docsPages = readdirSync(join(ROOT, "docs"))
  .filter((name) => name.endsWith(".md"))
  .map((name) => join(ROOT, "docs", name));
const checked = [join(ROOT, "README.md"), ...docsPages, join(ROOT, "SECURITY.md"), join(ROOT, "ARCHITECTURE.md")];

/** The lines outside fenced code blocks (a link or a `#` in an example is not markdown). */
function proseLines(text: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence === null) lines.push(line);
  }
  return lines;
}

/**
 * GitHub's heading anchors (github-slugger): the heading's text lowercased, everything but letters, digits, spaces,
 * hyphens and underscores dropped, spaces made hyphens; a repeated slug gets -1, -2, … in order.
 */
function headingSlugs(text: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const plain = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const base = plain.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** Inline links `[text](target)` of the prose, code spans left out; external links (a scheme) are not followed. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, "");
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) targets.push(target);
    }
  }
  return targets;
}

/** What is wrong with each relative link of one file: a missing file, or an anchor no heading of its file has. */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const target of relativeLinks(readFileSync(file, "utf8"))) {
    const hash = target.indexOf("#");
    const pathPart = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
    const destination = pathPart === "" ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    if (!existsSync(destination)) {
      problems.push(`${target}: no file ${relative(ROOT, destination)}`);
      continue;
    }
    if (anchor === null) continue;
    if (!destination.endsWith(".md") || statSync(destination).isDirectory()) {
      problems.push(`${target}: an anchor into something that is not a markdown file`);
    } else if (!headingSlugs(readFileSync(destination, "utf8")).has(anchor)) {
      problems.push(`${target}: no heading of ${relative(ROOT, destination)} has the anchor #${anchor}`);
    }
  }
  return problems;
}

describe("documentation links", () => {
  it("slugs headings as GitHub does", () => {
    const slugs = headingSlugs("# Certdesk\n## Reading your own writes: the `x-d1-bookmark` header\n## Deploying (`npm run deploy`)\n## Notes\n## Notes\n```sh\n# 1. not a heading\n```\n");
    expect([...slugs]).toEqual(["certdesk", "reading-your-own-writes-the-x-d1-bookmark-header", "deploying-npm-run-deploy", "notes", "notes-1"]);
  });

  it("finds relative links outside code, and reports the broken ones", () => {
    const links = relativeLinks("See [a](docs/a.md#x), [b](https://example.com/), `[c](not-a-link.md)`.\n```md\n[d](in-code.md)\n```\n");
    expect(links).toEqual(["docs/a.md#x"]);
  });

  it.each(checked.map((file) => [relative(ROOT, file), file]))("%s: every relative link and anchor resolves", (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it(`keeps the README at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\n$/, "").split("\n").length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("links every docs page from the README, and each page back to the README", () => {
    const readmeLinks = new Set(relativeLinks(readFileSync(join(ROOT, "README.md"), "utf8")).map((target) => target.split("#")[0]));
    for (const page of docsPages) {
      expect(readmeLinks, `README.md links ${relative(ROOT, page)}`).toContain(relative(ROOT, page));
      expect(relativeLinks(readFileSync(page, "utf8")), `${relative(ROOT, page)} links back`).toContain("../README.md");
    }
  });
});

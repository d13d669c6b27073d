/** `GET /`: the console (routes/console/page.ts) for people, or on request JSON naming the service and where to go next. */
import { Hono } from "hono";
import { accepts } from "hono/accepts";
import type { AppBindings } from "../http/context";
import { CONSOLE_POLICY, consoleAssetRoutes, consolePage } from "./console/page";

const NAME = "Certdesk";
const LINKS = { docs: "/docs", openapi: "/openapi.json", health: "/health" } as const;

const PAGE = consolePage({ name: NAME, links: LINKS });

export const homeRoutes = new Hono<AppBindings>()
  .get("/", (c) => {
    c.header("Vary", "Accept");
    // Browsers and curl's default (any type) get the page; only a client that asks for JSON gets JSON.
    const type = accepts(c, { header: "Accept", supports: ["text/html", "application/json"], default: "text/html" });
    if (type === "application/json") return c.json({ name: NAME, ...LINKS });
    c.header("Content-Security-Policy", CONSOLE_POLICY);
    return c.html(PAGE);
  })
  .route("/", consoleAssetRoutes);

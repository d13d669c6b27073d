-- Each certificate event's body is stored once (webhook_events), not once per endpoint in webhook_outbox.
-- D1 enforces foreign keys in every migration and runs it in one transaction, so `PRAGMA foreign_keys = off` would
-- change nothing; only rows whose references hold are copied (https://developers.cloudflare.com/d1/sql-api/foreign-keys/).
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_events_team_idx` ON `webhook_events` (`team_id`,`created_at`,`id`,`bytes`);--> statement-breakpoint
CREATE TABLE `webhook_rounds` (
	`id` text PRIMARY KEY NOT NULL,
	`pending` integer NOT NULL,
	`held_until` integer NOT NULL
);
--> statement-breakpoint
-- The events of the messages still waiting. Every message of one event carried the same body, so any one of them is
-- the event's; its cost is counted as emit.ts counts it (body, 200 bytes for the event's row, 350 per message).
INSERT INTO `webhook_events` ("id", "team_id", "event_type", "payload", "bytes", "created_at")
SELECT "event_id", "team_id", "event_type", "payload", length("payload") + 200 + 350 * count(*), min("created_at")
FROM `webhook_outbox` WHERE "team_id" IN (SELECT "id" FROM `teams`) GROUP BY "event_id";--> statement-breakpoint
CREATE TABLE `__new_webhook_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`team_id` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `webhook_events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_webhook_outbox`("id", "event_id", "endpoint_id", "team_id", "attempts", "next_attempt_at", "lease_until", "created_at")
SELECT "id", "event_id", "endpoint_id", "team_id", "attempts", "next_attempt_at", "lease_until", "created_at" FROM `webhook_outbox`
WHERE "event_id" IN (SELECT "id" FROM `webhook_events`) AND "endpoint_id" IN (SELECT "id" FROM `webhook_endpoints`);--> statement-breakpoint
DROP TABLE `webhook_outbox`;--> statement-breakpoint
ALTER TABLE `__new_webhook_outbox` RENAME TO `webhook_outbox`;--> statement-breakpoint
CREATE INDEX `webhook_outbox_due_idx` ON `webhook_outbox` (`next_attempt_at`,`lease_until`,`team_id`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_outbox_lease_idx` ON `webhook_outbox` (`lease_until`) WHERE lease_until IS NOT NULL;--> statement-breakpoint
CREATE INDEX `webhook_outbox_endpoint_idx` ON `webhook_outbox` (`endpoint_id`);--> statement-breakpoint
CREATE INDEX `webhook_outbox_event_idx` ON `webhook_outbox` (`event_id`);

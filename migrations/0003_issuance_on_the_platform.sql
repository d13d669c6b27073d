CREATE TABLE `acme_challenges` (
	`token` text PRIMARY KEY NOT NULL,
	`key_authorization` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `acme_challenges_expiry_idx` ON `acme_challenges` (`expires_at`);--> statement-breakpoint
ALTER TABLE `certificates` ADD `ari_window_start` integer;--> statement-breakpoint
ALTER TABLE `certificates` ADD `ari_window_end` integer;--> statement-breakpoint
ALTER TABLE `certificates` ADD `ari_explanation_url` text;--> statement-breakpoint
ALTER TABLE `certificates` ADD `ari_retry_at` integer;--> statement-breakpoint
CREATE INDEX `certificates_ari_retry_idx` ON `certificates` (`ari_retry_at`) WHERE ari_retry_at IS NOT NULL;
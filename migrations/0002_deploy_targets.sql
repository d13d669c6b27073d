CREATE TABLE `deploy_targets` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`settings` text NOT NULL,
	`sealed_credentials` text NOT NULL,
	`remote_id` text,
	`deployed_serial` text,
	`deployed_at` integer,
	`last_attempt_at` integer,
	`last_error` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`failing_since` integer,
	`next_attempt_at` integer,
	`lease_id` text,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deploy_targets_project_idx` ON `deploy_targets` (`project_id`);--> statement-breakpoint
CREATE INDEX `deploy_targets_team_idx` ON `deploy_targets` (`team_id`);
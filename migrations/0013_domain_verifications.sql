CREATE TABLE `domain_verifications` (
	`domain` text NOT NULL,
	`team_id` text NOT NULL,
	`token` text NOT NULL,
	`created_at` integer NOT NULL,
	`checked_at` integer,
	PRIMARY KEY(`domain`, `team_id`),
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `domain_verifications_checked_idx` ON `domain_verifications` (`checked_at`);
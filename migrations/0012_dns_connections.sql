CREATE TABLE `dns_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`sealed_credentials` text NOT NULL,
	`zones` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dns_connections_team_name_idx` ON `dns_connections` (`team_id`,`name`);--> statement-breakpoint
CREATE INDEX `dns_connections_team_idx` ON `dns_connections` (`team_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `certificates` ADD `dns_connection_id` text;--> statement-breakpoint
CREATE INDEX `certificates_dns_connection_idx` ON `certificates` (`dns_connection_id`) WHERE dns_connection_id IS NOT NULL;
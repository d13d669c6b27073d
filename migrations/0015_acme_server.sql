CREATE TABLE `acme_directories` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`issuer` text NOT NULL,
	`authorization` text NOT NULL,
	`allowed_names` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acme_directories_team_name_idx` ON `acme_directories` (`team_id`,`name`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `acme_directories_team_idx` ON `acme_directories` (`team_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `acme_eab_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`directory_id` text NOT NULL,
	`team_id` text NOT NULL,
	`sealed_hmac_key` text NOT NULL,
	`account_id` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`directory_id`) REFERENCES `acme_directories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_eab_keys_directory_idx` ON `acme_eab_keys` (`directory_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `acme_server_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`directory_id` text NOT NULL,
	`team_id` text NOT NULL,
	`thumbprint` text NOT NULL,
	`jwk` text NOT NULL,
	`status` text NOT NULL,
	`contact` text NOT NULL,
	`eab_key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`directory_id`) REFERENCES `acme_directories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acme_server_accounts_key_idx` ON `acme_server_accounts` (`directory_id`,`thumbprint`);--> statement-breakpoint
CREATE INDEX `acme_server_accounts_eab_idx` ON `acme_server_accounts` (`eab_key_id`);--> statement-breakpoint
CREATE TABLE `acme_server_authorizations` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`account_id` text NOT NULL,
	`directory_id` text NOT NULL,
	`team_id` text NOT NULL,
	`identifier` text NOT NULL,
	`wildcard` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `acme_server_orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_server_authorizations_order_idx` ON `acme_server_authorizations` (`order_id`);--> statement-breakpoint
CREATE TABLE `acme_server_challenges` (
	`id` text PRIMARY KEY NOT NULL,
	`authorization_id` text NOT NULL,
	`type` text NOT NULL,
	`token` text NOT NULL,
	`status` text NOT NULL,
	`validated_at` integer,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`authorization_id`) REFERENCES `acme_server_authorizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_server_challenges_authorization_idx` ON `acme_server_challenges` (`authorization_id`);--> statement-breakpoint
CREATE TABLE `acme_server_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`directory_id` text NOT NULL,
	`account_id` text NOT NULL,
	`team_id` text NOT NULL,
	`status` text NOT NULL,
	`identifiers` text NOT NULL,
	`not_before` integer,
	`not_after` integer,
	`expires_at` integer NOT NULL,
	`error` text,
	`certificate_id` text,
	`certificate_serial` text,
	`replaces` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`directory_id`) REFERENCES `acme_directories`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `acme_server_accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `acme_server_orders_account_idx` ON `acme_server_orders` (`account_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `acme_server_orders_serial_idx` ON `acme_server_orders` (`directory_id`,`certificate_serial`) WHERE certificate_serial IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `acme_server_orders_replaces_idx` ON `acme_server_orders` (`directory_id`,`replaces`) WHERE replaces IS NOT NULL;
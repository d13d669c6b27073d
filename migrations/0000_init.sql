CREATE TABLE `acme_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`directory_url` text NOT NULL,
	`account_url` text NOT NULL,
	`sealed_key` text NOT NULL,
	`email` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acme_accounts_team_directory_idx` ON `acme_accounts` (`team_id`,`directory_url`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_team_idx` ON `api_tokens` (`team_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_team_idx` ON `audit_log` (`team_id`,`at`);--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`project_id` text,
	`type` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`domain` text NOT NULL,
	`names` text NOT NULL,
	`certificate_pem` text NOT NULL,
	`chain_pem` text DEFAULT '' NOT NULL,
	`sealed_key` text NOT NULL,
	`key_type` text NOT NULL,
	`issuer` text NOT NULL,
	`serial` text NOT NULL,
	`fingerprint` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`auto_renew` integer DEFAULT false NOT NULL,
	`renewed_from` integer,
	`issuance` text,
	`sealed_dns_credentials` text,
	`next_renewal_at` integer,
	`renewal_failures` integer DEFAULT 0 NOT NULL,
	`last_renew_attempt` integer,
	`last_renew_error` text,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_project_idx` ON `certificates` (`project_id`);--> statement-breakpoint
CREATE INDEX `certificates_team_idx` ON `certificates` (`team_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `certificates_renewal_idx` ON `certificates` (`next_renewal_at`) WHERE next_renewal_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `client_certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`project_id` text NOT NULL,
	`origin` text NOT NULL,
	`certificate_pem` text NOT NULL,
	`ca_pem` text NOT NULL,
	`sealed_key` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `client_certificates_project_origin_idx` ON `client_certificates` (`project_id`,`origin`);--> statement-breakpoint
CREATE TABLE `domain_claims` (
	`domain` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `organization_certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text,
	`content_pem` text NOT NULL,
	`valid_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`active_in_organization` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `organization_certificates_team_idx` ON `organization_certificates` (`team_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `project_certificate_activations` (
	`certificate_id` text NOT NULL,
	`project_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`certificate_id`, `project_id`),
	FOREIGN KEY (`certificate_id`) REFERENCES `organization_certificates`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pca_project_idx` ON `project_certificate_activations` (`project_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`domain` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_team_name_idx` ON `projects` (`team_id`,`name`);--> statement-breakpoint
CREATE INDEX `projects_domain_idx` ON `projects` (`domain`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_slug_unique` ON `teams` (`slug`);
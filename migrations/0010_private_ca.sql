CREATE TABLE `certificate_authorities` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`certificate_pem` text NOT NULL,
	`chain_pem` text DEFAULT '' NOT NULL,
	`sealed_key` text NOT NULL,
	`key_description` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`name_constraints` text,
	`constraints_path` text NOT NULL,
	`public_origin` text NOT NULL,
	`crl_number` integer DEFAULT 0 NOT NULL,
	`crl_der` text NOT NULL,
	`crl_this_update` integer NOT NULL,
	`crl_next_update` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificate_authorities_team_name_idx` ON `certificate_authorities` (`team_id`,`name`);--> statement-breakpoint
CREATE INDEX `certificate_authorities_team_idx` ON `certificate_authorities` (`team_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `certificate_authorities_crl_due_idx` ON `certificate_authorities` (`crl_next_update`);--> statement-breakpoint
CREATE TABLE `private_certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`ca_id` text NOT NULL,
	`team_id` text NOT NULL,
	`serial` text NOT NULL,
	`profile` text NOT NULL,
	`names` text NOT NULL,
	`certificate_pem` text NOT NULL,
	`chain_pem` text DEFAULT '' NOT NULL,
	`sealed_key` text,
	`key_description` text NOT NULL,
	`fingerprint` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`revoked_at` integer,
	`revocation_reason` text,
	`auto_renew` integer DEFAULT false NOT NULL,
	`short_lived` integer DEFAULT false NOT NULL,
	`next_renewal_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`ca_id`) REFERENCES `certificate_authorities`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `private_certificates_ca_serial_idx` ON `private_certificates` (`ca_id`,`serial`);--> statement-breakpoint
CREATE INDEX `private_certificates_ca_idx` ON `private_certificates` (`ca_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `private_certificates_team_idx` ON `private_certificates` (`team_id`);--> statement-breakpoint
CREATE INDEX `private_certificates_crl_idx` ON `private_certificates` (`ca_id`,`not_after`) WHERE status = 'revoked' AND short_lived = 0;--> statement-breakpoint
CREATE INDEX `private_certificates_renewal_idx` ON `private_certificates` (`next_renewal_at`) WHERE next_renewal_at IS NOT NULL;

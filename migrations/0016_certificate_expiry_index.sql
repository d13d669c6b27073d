DROP INDEX `private_certificates_team_idx`;--> statement-breakpoint
CREATE INDEX `private_certificates_expiry_group_idx` ON `private_certificates` (`ca_id`,`status`,`not_after`,`id`);--> statement-breakpoint
CREATE INDEX `private_certificates_team_expiry_idx` ON `private_certificates` (`team_id`,`not_after`);--> statement-breakpoint
CREATE INDEX `private_certificates_expiry_idx` ON `private_certificates` (`not_after`);--> statement-breakpoint
CREATE INDEX `certificates_expiry_group_idx` ON `certificates` (`team_id`,`type`,`issuer`,`state`,`expires_at`);--> statement-breakpoint
CREATE INDEX `certificates_team_expiry_idx` ON `certificates` (`team_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `certificates_renewal_failing_idx` ON `certificates` (`team_id`,`type`,`issuer`,`state`) WHERE renewal_failures > 0;
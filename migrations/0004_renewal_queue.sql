DROP INDEX `certificates_renewal_idx`;--> statement-breakpoint
ALTER TABLE `certificates` ADD `renewal_queued_until` integer;--> statement-breakpoint
CREATE INDEX `certificates_renewal_idx` ON `certificates` (`next_renewal_at`,`renewal_queued_until`) WHERE next_renewal_at IS NOT NULL;
CREATE TABLE `service_counters` (
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`name`, `labels`)
);

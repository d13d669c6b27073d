CREATE INDEX `audit_log_team_target_idx` ON `audit_log` (`team_id`,`target`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_team_action_idx` ON `audit_log` (`team_id`,`action`,`at`);--> statement-breakpoint
CREATE INDEX `audit_log_team_actor_idx` ON `audit_log` (`team_id`,`actor`,`at`);
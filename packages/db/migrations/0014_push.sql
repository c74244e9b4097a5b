CREATE TABLE `notification_settings` (
	`user_id` bigint unsigned NOT NULL,
	`direct_level` enum('all','mentions','none') NOT NULL DEFAULT 'all',
	`group_level` enum('all','mentions','none') NOT NULL DEFAULT 'mentions',
	`room_level` enum('all','mentions','none') NOT NULL DEFAULT 'mentions',
	`dnd_start_minute` smallint unsigned,
	`dnd_end_minute` smallint unsigned,
	`time_zone` varchar(64) NOT NULL DEFAULT 'UTC',
	`push_privacy` enum('full','sender','hidden') NOT NULL DEFAULT 'full',
	`digest_enabled` boolean NOT NULL DEFAULT true,
	`last_digest_at` datetime(3),
	CONSTRAINT `notification_settings_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
CREATE TABLE `push_devices` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`session_id` char(24) NOT NULL,
	`kind` enum('webpush','fcm','apns') NOT NULL,
	`fingerprint` char(64) NOT NULL,
	`endpoint` varchar(2048),
	`p256dh` varchar(128),
	`auth` varchar(64),
	`token` varchar(4096),
	`topic` varchar(255),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `push_devices_id` PRIMARY KEY(`id`),
	CONSTRAINT `push_devices_fingerprint_uq` UNIQUE(`fingerprint`)
);
--> statement-breakpoint
CREATE TABLE `push_jobs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kind` enum('message','notification','call') NOT NULL,
	`ref_id` bigint unsigned NOT NULL,
	`locked_until` datetime(3),
	`attempts` smallint unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `push_jobs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `push_outbox` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`device_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`payload` json,
	`collapse_key` varchar(64),
	`urgency` enum('very-low','low','normal','high') NOT NULL DEFAULT 'normal',
	`ttl_seconds` int unsigned NOT NULL,
	`badge` int unsigned NOT NULL DEFAULT 0,
	`status` enum('pending','sent','dead') NOT NULL DEFAULT 'pending',
	`attempts` smallint unsigned NOT NULL DEFAULT 0,
	`next_attempt_at` datetime(3) NOT NULL,
	`locked_until` datetime(3),
	`expires_at` datetime(3) NOT NULL,
	`last_error` varchar(1000),
	`created_at` datetime(3) NOT NULL,
	`sent_at` datetime(3),
	CONSTRAINT `push_outbox_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `conversation_members` ADD `notify_level` enum('default','all','mentions','none') DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE `conversation_members` ADD `muted_until` datetime(3);--> statement-breakpoint
ALTER TABLE `notification_settings` ADD CONSTRAINT `notification_settings_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `push_devices` ADD CONSTRAINT `push_devices_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `push_devices` ADD CONSTRAINT `push_devices_session_id_sessions_id_fk` FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `push_outbox` ADD CONSTRAINT `push_outbox_device_id_push_devices_id_fk` FOREIGN KEY (`device_id`) REFERENCES `push_devices`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `push_devices_user_idx` ON `push_devices` (`user_id`);--> statement-breakpoint
CREATE INDEX `push_jobs_locked_idx` ON `push_jobs` (`locked_until`,`id`);--> statement-breakpoint
CREATE INDEX `push_outbox_due_idx` ON `push_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `push_outbox_collapse_idx` ON `push_outbox` (`device_id`,`collapse_key`,`status`);
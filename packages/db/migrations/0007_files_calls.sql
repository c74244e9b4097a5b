CREATE TABLE `file_shares` (
	`file_id` varchar(32) NOT NULL,
	`conversation_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `file_shares_pk` PRIMARY KEY(`file_id`,`conversation_id`)
);
--> statement-breakpoint
CREATE TABLE `files` (
	`id` varchar(32) NOT NULL,
	`owner_id` bigint unsigned NOT NULL,
	`name` varchar(255) NOT NULL,
	`size` bigint unsigned NOT NULL,
	`received_bytes` bigint unsigned NOT NULL DEFAULT 0,
	`mime_type` varchar(127),
	`width` int,
	`height` int,
	`sha256` varchar(64),
	`status` enum('uploading','ready') NOT NULL DEFAULT 'uploading',
	`storage_key` varchar(255) NOT NULL,
	`variants` json,
	`is_public` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`completed_at` datetime(3),
	CONSTRAINT `files_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `calls` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`caller_id` bigint unsigned NOT NULL,
	`callee_id` bigint unsigned NOT NULL,
	`media` enum('audio','video') NOT NULL,
	`status` enum('ringing','active','ended') NOT NULL DEFAULT 'ringing',
	`outcome` enum('completed','missed','rejected','cancelled','busy','dropped'),
	`ended_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`answered_at` datetime(3),
	`ended_at` datetime(3),
	CONSTRAINT `calls_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `file_shares` ADD CONSTRAINT `file_shares_file_id_files_id_fk` FOREIGN KEY (`file_id`) REFERENCES `files`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `file_shares` ADD CONSTRAINT `file_shares_conversation_id_conversations_id_fk` FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `files` ADD CONSTRAINT `files_owner_id_users_id_fk` FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `calls` ADD CONSTRAINT `calls_caller_id_users_id_fk` FOREIGN KEY (`caller_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `calls` ADD CONSTRAINT `calls_callee_id_users_id_fk` FOREIGN KEY (`callee_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `files_owner_idx` ON `files` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `files_status_idx` ON `files` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `calls_caller_idx` ON `calls` (`caller_id`,`id`);--> statement-breakpoint
CREATE INDEX `calls_callee_idx` ON `calls` (`callee_id`,`id`);--> statement-breakpoint
CREATE INDEX `calls_status_idx` ON `calls` (`status`,`created_at`);
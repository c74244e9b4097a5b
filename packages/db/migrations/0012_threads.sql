CREATE TABLE `thread_followers` (
	`root_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`conversation_id` bigint unsigned NOT NULL,
	`following` boolean NOT NULL DEFAULT true,
	`last_read_reply_id` bigint unsigned NOT NULL DEFAULT 0,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `thread_followers_pk` PRIMARY KEY(`root_id`,`user_id`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_root_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_reply_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_last_reply_at` datetime(3);--> statement-breakpoint
ALTER TABLE `messages` ADD `thread_participant_ids` json;--> statement-breakpoint
ALTER TABLE `thread_followers` ADD CONSTRAINT `thread_followers_root_id_messages_id_fk` FOREIGN KEY (`root_id`) REFERENCES `messages`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `thread_followers` ADD CONSTRAINT `thread_followers_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `thread_followers_user_idx` ON `thread_followers` (`user_id`,`conversation_id`);--> statement-breakpoint
CREATE INDEX `messages_thread_idx` ON `messages` (`thread_root_id`,`id`);
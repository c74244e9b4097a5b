CREATE TABLE `message_pins` (
	`message_id` bigint unsigned NOT NULL,
	`conversation_id` bigint unsigned NOT NULL,
	`pinned_by` bigint unsigned NOT NULL,
	`pinned_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`expires_at` datetime(3),
	CONSTRAINT `message_pins_message_id` PRIMARY KEY(`message_id`)
);
--> statement-breakpoint
ALTER TABLE `rooms` ADD `pin_policy` enum('everyone','admins','owner') DEFAULT 'admins' NOT NULL;--> statement-breakpoint
ALTER TABLE `message_pins` ADD CONSTRAINT `message_pins_message_id_messages_id_fk` FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `message_pins` ADD CONSTRAINT `message_pins_conversation_id_conversations_id_fk` FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `message_pins` ADD CONSTRAINT `message_pins_pinned_by_users_id_fk` FOREIGN KEY (`pinned_by`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `message_pins_conversation_idx` ON `message_pins` (`conversation_id`,`pinned_at`);--> statement-breakpoint
CREATE INDEX `message_pins_expiry_idx` ON `message_pins` (`expires_at`);
CREATE TABLE `ai_configs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`label` varchar(100) NOT NULL,
	`base_url` varchar(2048) NOT NULL,
	`model` varchar(200) NOT NULL,
	`api_key_sealed` text NOT NULL,
	`api_key_version` int NOT NULL,
	`api_key_last4` varchar(4) NOT NULL,
	`params` json NOT NULL,
	`is_default` boolean NOT NULL DEFAULT false,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ai_configs_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `ai_conversations` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`title` varchar(200),
	`title_by_user` boolean NOT NULL DEFAULT false,
	`config_id` bigint unsigned,
	`system_provider_id` varchar(64),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`last_activity_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ai_conversations_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `ai_images` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`prompt` text NOT NULL,
	`size` varchar(16) NOT NULL,
	`model` varchar(200) NOT NULL,
	`mime_type` varchar(64) NOT NULL,
	`bytes` mediumblob NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `ai_images_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `ai_messages` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`conversation_id` bigint unsigned NOT NULL,
	`role` enum('user','assistant') NOT NULL,
	`content` mediumtext NOT NULL,
	`status` enum('streaming','complete','stopped','failed') NOT NULL,
	`error_code` varchar(32),
	`client_id` varchar(64),
	`reply_to_id` bigint unsigned,
	`model` varchar(200),
	`prompt_tokens` int,
	`completion_tokens` int,
	`finish_reason` varchar(32),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`completed_at` datetime(3),
	CONSTRAINT `ai_messages_id` PRIMARY KEY(`id`),
	CONSTRAINT `ai_messages_client_uq` UNIQUE(`conversation_id`,`client_id`)
);
--> statement-breakpoint
CREATE TABLE `ai_usage_daily` (
	`user_id` bigint unsigned NOT NULL,
	`day` date NOT NULL,
	`requests` int NOT NULL DEFAULT 0,
	`prompt_tokens` bigint unsigned NOT NULL DEFAULT 0,
	`completion_tokens` bigint unsigned NOT NULL DEFAULT 0,
	CONSTRAINT `ai_usage_daily_pk` PRIMARY KEY(`user_id`,`day`)
);
--> statement-breakpoint
ALTER TABLE `ai_configs` ADD CONSTRAINT `ai_configs_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ai_conversations` ADD CONSTRAINT `ai_conversations_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ai_conversations` ADD CONSTRAINT `ai_conversations_config_id_ai_configs_id_fk` FOREIGN KEY (`config_id`) REFERENCES `ai_configs`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ai_images` ADD CONSTRAINT `ai_images_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ai_messages` ADD CONSTRAINT `ai_messages_conversation_id_ai_conversations_id_fk` FOREIGN KEY (`conversation_id`) REFERENCES `ai_conversations`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `ai_usage_daily` ADD CONSTRAINT `ai_usage_daily_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `ai_configs_user_idx` ON `ai_configs` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `ai_configs_key_version_idx` ON `ai_configs` (`api_key_version`);--> statement-breakpoint
CREATE INDEX `ai_conversations_user_activity_idx` ON `ai_conversations` (`user_id`,`last_activity_at`);--> statement-breakpoint
CREATE INDEX `ai_images_user_idx` ON `ai_images` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `ai_messages_conversation_idx` ON `ai_messages` (`conversation_id`,`id`);--> statement-breakpoint
CREATE INDEX `ai_messages_status_idx` ON `ai_messages` (`status`,`created_at`);
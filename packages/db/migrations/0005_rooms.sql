CREATE TABLE `room_applications` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`room_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`message` varchar(500),
	`status` enum('pending','approved','rejected','cancelled') NOT NULL DEFAULT 'pending',
	`reviewed_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`reviewed_at` datetime(3),
	CONSTRAINT `room_applications_id` PRIMARY KEY(`id`),
	CONSTRAINT `room_applications_pair_uq` UNIQUE(`room_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `room_bans` (
	`room_id` bigint unsigned NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`banned_by` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `room_bans_pk` PRIMARY KEY(`room_id`,`user_id`)
);
--> statement-breakpoint
CREATE TABLE `room_invites` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`room_id` bigint unsigned NOT NULL,
	`invitee_id` bigint unsigned NOT NULL,
	`inviter_id` bigint unsigned NOT NULL,
	`status` enum('pending','accepted','declined','cancelled') NOT NULL DEFAULT 'pending',
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`responded_at` datetime(3),
	CONSTRAINT `room_invites_id` PRIMARY KEY(`id`),
	CONSTRAINT `room_invites_pair_uq` UNIQUE(`room_id`,`invitee_id`)
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` bigint unsigned NOT NULL,
	`name` varchar(100) NOT NULL,
	`description` varchar(1000),
	`avatar_url` varchar(2048),
	`visibility` enum('public','private') NOT NULL,
	`join_policy` enum('open','approval','invite_only') NOT NULL,
	`history_visible` boolean NOT NULL,
	`sync_enabled` boolean NOT NULL,
	`control_policy` enum('everyone','admins','owner') NOT NULL DEFAULT 'owner',
	`max_members` int NOT NULL,
	`member_count` int NOT NULL DEFAULT 0,
	`owner_id` bigint unsigned NOT NULL,
	`media_url` varchar(2048),
	`paused` boolean NOT NULL DEFAULT true,
	`position_sec` double NOT NULL DEFAULT 0,
	`rate` double NOT NULL DEFAULT 1,
	`playback_updated_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`playback_updated_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`dissolved_at` datetime(3),
	CONSTRAINT `rooms_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `conversations` MODIFY COLUMN `kind` enum('direct','group','room') NOT NULL;--> statement-breakpoint
ALTER TABLE `conversation_members` ADD `joined_after_message_id` bigint unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `room_applications` ADD CONSTRAINT `room_applications_room_id_rooms_id_fk` FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_applications` ADD CONSTRAINT `room_applications_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_bans` ADD CONSTRAINT `room_bans_room_id_rooms_id_fk` FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_bans` ADD CONSTRAINT `room_bans_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_invites` ADD CONSTRAINT `room_invites_room_id_rooms_id_fk` FOREIGN KEY (`room_id`) REFERENCES `rooms`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `room_invites` ADD CONSTRAINT `room_invites_invitee_id_users_id_fk` FOREIGN KEY (`invitee_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `rooms` ADD CONSTRAINT `rooms_id_conversations_id_fk` FOREIGN KEY (`id`) REFERENCES `conversations`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `room_applications_room_idx` ON `room_applications` (`room_id`,`status`);--> statement-breakpoint
CREATE INDEX `room_invites_invitee_idx` ON `room_invites` (`invitee_id`,`status`);--> statement-breakpoint
CREATE INDEX `rooms_public_idx` ON `rooms` (`visibility`,`dissolved_at`,`id`);
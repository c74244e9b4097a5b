ALTER TABLE `message_reactions` MODIFY COLUMN `emoji` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` MODIFY COLUMN `client_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;--> statement-breakpoint
ALTER TABLE `ai_messages` MODIFY COLUMN `client_id` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
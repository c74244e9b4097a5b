ALTER TABLE `file_shares` ADD `last_message_id` bigint unsigned DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Existing shares: the newest message that sent the file to the conversation (0 when none is left).
UPDATE `file_shares` SET `last_message_id` = COALESCE((SELECT MAX(`messages`.`id`) FROM `messages` WHERE `messages`.`conversation_id` = `file_shares`.`conversation_id` AND JSON_UNQUOTE(JSON_EXTRACT(`messages`.`attachment`, '$.fileId')) = `file_shares`.`file_id`), 0);

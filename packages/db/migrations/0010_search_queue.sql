CREATE TABLE `search_queue` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kind` enum('message','ai_message','ai_title') NOT NULL DEFAULT 'message',
	`ref_id` bigint unsigned NOT NULL,
	CONSTRAINT `search_queue_id` PRIMARY KEY(`id`)
);

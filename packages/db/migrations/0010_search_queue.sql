CREATE TABLE `search_queue` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`message_id` bigint unsigned NOT NULL,
	CONSTRAINT `search_queue_id` PRIMARY KEY(`id`)
);

CREATE TABLE `event_archive` (
	`user_id` bigint unsigned NOT NULL,
	`last_ms` bigint unsigned NOT NULL,
	`last_seq` int unsigned NOT NULL,
	`first_prev` varchar(48) NOT NULL,
	`entries` mediumtext NOT NULL,
	CONSTRAINT `event_archive_pk` PRIMARY KEY(`user_id`,`last_ms`,`last_seq`)
);
--> statement-breakpoint
CREATE INDEX `event_archive_last_ms_idx` ON `event_archive` (`last_ms`);
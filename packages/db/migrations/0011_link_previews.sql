ALTER TABLE `users` ADD `link_previews` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `preview` json;
DROP TABLE moderation_actions;
DROP TABLE post_reports;
ALTER TABLE group_posts DROP COLUMN hidden_at;

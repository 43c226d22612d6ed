DROP TABLE group_invitations;
DROP TABLE group_memberships;
DROP TABLE group_slugs;
DROP TABLE group_tags;
DROP TABLE support_groups;

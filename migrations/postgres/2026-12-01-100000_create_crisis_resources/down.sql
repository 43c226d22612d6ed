DROP TABLE crisis_resources;

DROP TABLE resources;
DROP TABLE articles;
DROP TABLE editors;

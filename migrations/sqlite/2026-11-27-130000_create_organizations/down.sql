DROP TABLE api_clients;
DROP TABLE organization_members;
DROP TABLE organizations;

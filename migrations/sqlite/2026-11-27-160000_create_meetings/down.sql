DROP TABLE meeting_exceptions;
DROP TABLE meetings;

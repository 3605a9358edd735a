DROP TABLE sign_up_requests;
DROP TABLE web_sessions;

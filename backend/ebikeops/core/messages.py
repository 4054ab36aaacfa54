"""Words for overload and outage answers (tests import them)."""

OVERLOADED = "The server is busy: this request waited too long to start. Send it again after Retry-After seconds."
DEADLINE_PASSED = "The server could not finish this request in time. Send it again after Retry-After seconds."
CLIENT_GONE = "The client closed the connection before the answer was ready."
DATABASE_UNAVAILABLE = "The database does not answer. Send the request again after Retry-After seconds."

// PostgreSQL connection URLs as freelunch shows them: `postgresql://` or `postgres://` names the
// PostgreSQL store (anything else is a sweep directory), and a URL is only ever echoed — in
// errors, progress, the sweep summary — without its password (the user:PASSWORD part or a
// password= parameter). Passwords belong in a password file (passfile= or PGPASSFILE).
#pragma once
#include <string>

namespace fl {

bool is_postgres_url(const std::string& location);

// The URL without its password: "postgresql://ann:secret@db:5432/lab?password=x&sslmode=require"
// → "postgresql://ann@db:5432/lab?sslmode=require".
std::string redacted_url(const std::string& url);

// `message` with every occurrence of the URL's password (as written and percent-decoded)
// replaced by "***", for text that libpq or the server may have built from the URL.
std::string without_password(const std::string& message, const std::string& url);

}  // namespace fl

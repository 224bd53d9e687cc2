// PostgreSQL URLs as freelunch echoes them: which locations are URLs, and the password never shown.
#include <gtest/gtest.h>

#include "experiments/postgres_url.h"

namespace fl {
namespace {

TEST(PostgresUrl, PicksTheBackendByScheme) {
  EXPECT_TRUE(is_postgres_url("postgresql://db/lab"));
  EXPECT_TRUE(is_postgres_url("postgres://ann@db:5433/lab"));
  EXPECT_FALSE(is_postgres_url("sweeps/copy"));
  EXPECT_FALSE(is_postgres_url("/srv/postgresql://x"));
  EXPECT_FALSE(is_postgres_url("mysql://db/lab"));
}

TEST(PostgresUrl, RedactionDropsEveryPassword) {
  EXPECT_EQ(redacted_url("postgresql://ann:secret@db:5432/lab?password=x&sslmode=require"),
            "postgresql://ann@db:5432/lab?sslmode=require");
  EXPECT_EQ(redacted_url("postgres://ann:p%40ss@db/lab"), "postgres://ann@db/lab");
  EXPECT_EQ(redacted_url("postgresql://db/lab?password=only"), "postgresql://db/lab");
  EXPECT_EQ(redacted_url("postgresql://ann@db/lab?passfile=/home/ann/.pgpass"),
            "postgresql://ann@db/lab?passfile=/home/ann/.pgpass");
  EXPECT_EQ(redacted_url("postgresql://db/lab"), "postgresql://db/lab");
  // An '@' after the host part is not user information.
  EXPECT_EQ(redacted_url("postgresql://db/lab?application_name=a@b"), "postgresql://db/lab?application_name=a@b");
}

TEST(PostgresUrl, MessagesLoseThePasswordAsWrittenAndDecoded) {
  const std::string url = "postgresql://ann:p%40ss@db/lab?password=hunter2";
  EXPECT_EQ(without_password("bad token p%40ss, also p@ss and hunter2 twice: hunter2", url),
            "bad token ***, also *** and *** twice: ***");
  EXPECT_EQ(without_password("nothing secret", "postgresql://db/lab"), "nothing secret");
}

}  // namespace
}  // namespace fl

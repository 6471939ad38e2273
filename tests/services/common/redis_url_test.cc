#include <gtest/gtest.h>

#include "services/common/redis.h"

namespace lobby::redis {
namespace {

TEST(ParseUrlTest, Tcp) {
  auto o = ParseUrl("redis://10.0.0.5:6380/2");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->unix_socket);
  EXPECT_EQ(o->host, "10.0.0.5");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 2);
  EXPECT_TRUE(o->password.empty());
}

TEST(ParseUrlTest, PasswordAndUser) {
  auto o = ParseUrl("redis://:s3cr@t@redis.lobby.svc:6379");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->password, "s3cr@t");
  EXPECT_EQ(o->host, "redis.lobby.svc");
  auto u = ParseUrl("redis://lobby:pw@h");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "lobby");
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->port, 6379);
}

TEST(ParseUrlTest, UnixSocket) {
  auto o = ParseUrl("unix:///var/run/redis.sock?db=3&password=x");
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->unix_socket);
  EXPECT_EQ(o->path, "/var/run/redis.sock");
  EXPECT_EQ(o->db, 3);
  EXPECT_EQ(o->password, "x");
}

TEST(ParseUrlTest, Sentinel) {
  auto o = ParseUrl("redis+sentinel://:pw@s1:26379,s2,10.0.0.3:26380/lobby/2?sentinel_password=sp");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->sentinels, (std::vector<std::pair<std::string, int>>{
                              {"s1", 26379}, {"s2", 26379}, {"10.0.0.3", 26380}}));
  EXPECT_EQ(o->sentinel_master, "lobby");
  EXPECT_EQ(o->db, 2);
  EXPECT_EQ(o->password, "pw");
  EXPECT_EQ(o->sentinel_password, "sp");
  o = ParseUrl("redis+sentinel://s1/mymaster");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->db, 0);
  EXPECT_EQ(o->sentinel_master, "mymaster");
}

TEST(ParseUrlTest, Rejects) {
  for (const char* bad :
       {"", "localhost:6379", "http://h", "redis://", "redis://h:0", "redis://h:x", "redis://h/-1",
        "unix://relative.sock", "unix:///s.sock?color=red", "redis+sentinel://s1:26379",
        "redis+sentinel://s1:26379/", "redis+sentinel:///m", "redis+sentinel://s1:0/m",
        "redis+sentinel://s1/m/x", "redis+sentinel://s1/m?color=red"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

TEST(ReplyStatusTest, LobbyCodesFromScripts) {
  Reply r;
  r.type = Reply::Type::kError;
  r.str = "LOBBY:ALREADY_EXISTS:taken by RS-1";
  absl::Status s = ReplyStatus(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "taken by RS-1");
  r.str = "WRONGTYPE Operation against a key";
  EXPECT_EQ(ReplyStatus(r).code(), absl::StatusCode::kInternal);
  r.type = Reply::Type::kString;
  EXPECT_TRUE(ReplyStatus(r).ok());
}

}  // namespace
}  // namespace lobby::redis

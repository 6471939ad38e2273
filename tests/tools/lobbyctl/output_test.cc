// lobbyctl's output: tables aligned by display width, JSON lists, times in the estate's zone.
#include <gtest/gtest.h>

#include <sstream>

#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

TEST(OutputTest, WideCharactersTakeTwoColumns) {
  EXPECT_EQ(Width("Tower 1"), 7u);
  EXPECT_EQ(Width("漏水"), 4u);
  EXPECT_EQ(Width("A座 12樓"), 8u);
  EXPECT_EQ(Width(""), 0u);
}

TEST(OutputTest, TablesAlignColumnsByDisplayWidth) {
  std::ostringstream out;
  PrintTable({"ID", "NAME", "TEAM"}, {{"R-10001", "漏水", "plumbing"}, {"R-2", "leak", "x"}}, out);
  EXPECT_EQ(out.str(),
            "ID       NAME  TEAM\n"
            "R-10001  漏水  plumbing\n"
            "R-2      leak  x\n");
}

TEST(OutputTest, ListsPrintAsItemsWithTheNextPageToken) {
  std::vector<v1::Unit> units(2);
  units[0].set_site_id("demo");
  units[1].set_room("A");
  EXPECT_EQ(JsonItems(units), R"({"items":[{"siteId":"demo"},{"room":"A"}]})");
  EXPECT_EQ(JsonItems(std::vector<v1::Unit>{}, "abc"), R"({"items":[],"nextPageToken":"abc"})");
}

// lobbyctl as main() sets it up, with the demo estate's zone Asia/Hong_Kong.
void DemoIsInHongKong() {
  g_zone = EstateZone{};
  g_zone.lookup = [](const std::string& site) {
    absl::TimeZone hk;
    EXPECT_EQ(site, "demo");
    EXPECT_TRUE(absl::LoadTimeZone("Asia/Hong_Kong", &hk));
    return hk;
  };
}

TEST(OutputTest, TimesAreShownAndReadInTheEstatesZone) {
  DemoIsInHongKong();
  google::protobuf::Timestamp t;
  t.set_seconds(1764561600);  // 2025-12-01 04:00 UTC
  EXPECT_EQ(Time(t), "2025-12-01 04:00 +00:00") << "UTC until an estate is named";
  g_zone.site = "demo";
  EXPECT_EQ(Time(t), "2025-12-01 12:00 +08:00");
  EXPECT_EQ(Time(google::protobuf::Timestamp()), "");
  EXPECT_EQ(ParseTime("start", "2025-12-01 12:00").seconds(), 1764561600);
  EXPECT_EQ(ParseTime("start", "2025-12-01T04:00:00Z").seconds(), 1764561600);
  EXPECT_EQ(ParseDay("2025-12-01", "from").seconds(), 1764561600 - 12 * 3600);
  EXPECT_EQ(ParseDay("2025-12-01", "to", true).seconds(), 1764561600 + 12 * 3600);
  EXPECT_THROW(ParseTime("start", "tomorrow"), UsageError);
  EXPECT_THROW(ParseDay("2025-13-01", "from"), UsageError);
  g_zone = EstateZone{};
}

TEST(OutputTest, ACallEventIsShownWhenItHappenedInItsEstatesZone) {
  DemoIsInHongKong();
  v1::CallEvent e;
  e.set_type("call.missed");
  v1::Call* c = e.mutable_call();
  c->set_id("cc-1");
  c->set_site_id("demo");
  c->set_caller("+85291234567");
  c->set_callback_id("CB-10001");
  c->mutable_started_at()->set_seconds(1764561600 - 40);
  c->mutable_ended_at()->set_seconds(1764561600);  // 2025-12-01 04:00 UTC
  EXPECT_EQ(CallLine(e),
            "2025-12-01 12:00:00 +08:00  missed  cc-1  +85291234567  unknown caller  callback "
            "CB-10001");
  e.set_type("call.ringing");
  EXPECT_EQ(CallLine(e).substr(0, 26), "2025-12-01 11:59:20 +08:00") << "when it rang";
  g_zone = EstateZone{};
}

TEST(OutputTest, EnumNamesReadAsPeopleTypeThem) {
  EXPECT_EQ(Lower("RESIDENT_ROLE_OWNER", "RESIDENT_ROLE_"), "owner");
  EXPECT_EQ(RoleName(v1::RESIDENT_ROLE_FAMILY), "family");
  EXPECT_EQ(ChannelName(v1::CHANNEL_WECHAT), "wechat");
}

}  // namespace
}  // namespace lobbyctl

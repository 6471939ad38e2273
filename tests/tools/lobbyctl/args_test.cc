// lobbyctl's argument parsing: flags with values, boolean flags, short forms, and bad usage.
#include <gtest/gtest.h>

#include <vector>

#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

Args Parse(std::vector<const char*> words) {
  words.insert(words.begin(), "lobbyctl");
  return ParseArgs(static_cast<int>(words.size()), words.data());
}

TEST(ArgsTest, TakesPositionalWordsAndFlagsInBothForms) {
  Args a = Parse({"repairs", "list", "--site", "demo", "--status=assigned", "R-10001"});
  EXPECT_EQ(a.positional, (std::vector<std::string>{"repairs", "list", "R-10001"}));
  EXPECT_EQ(a.Get("site"), "demo");
  EXPECT_EQ(a.Get("status"), "assigned");
  EXPECT_EQ(a.Get("team", "none"), "none");
  EXPECT_FALSE(a.Has("team"));
}

TEST(ArgsTest, BooleanFlagsTakeNoValueAndShortFormsAreTheLongOnes) {
  Args a = Parse({"-o", "json", "apply", "-f", "estate.yaml", "--dry-run", "-h"});
  EXPECT_EQ(a.Get("output"), "json");
  EXPECT_EQ(a.Get("f"), "estate.yaml");
  EXPECT_EQ(a.Get("dry-run"), "true");
  EXPECT_TRUE(a.Has("help"));
  EXPECT_EQ(a.positional, (std::vector<std::string>{"apply"}));
  EXPECT_EQ(Parse({"--file", "x.yaml"}).Get("f"), "x.yaml");
}

TEST(ArgsTest, RepeatedFlagsAreAllKeptInOrder) {
  Args a = Parse({"residents", "create", "--phone", "+85261234567", "--phone", "+85291234567"});
  EXPECT_EQ(a.All("phone"), (std::vector<std::string>{"+85261234567", "+85291234567"}));
  EXPECT_TRUE(a.All("tag").empty());
}

TEST(ArgsTest, BadUsageSaysWhat) {
  try {
    Parse({"repairs", "get", "--site"});
    FAIL() << "a flag without its value was taken";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.message, "--site needs a value");
  }
  Args a = Parse({"repairs", "get", "R-1", "--bogus", "1"});
  try {
    a.Allow({"site"}, 3);
    FAIL() << "an unknown flag was allowed";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.message, "unknown flag --bogus for this command");
  }
  a.flags.erase("bogus");
  try {
    a.Allow({"site"}, 2);
    FAIL() << "the wrong number of arguments was allowed";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.message, "expected 2 argument(s), got 3");
  }
  EXPECT_NO_THROW(a.Allow({"site"}, 3));
  try {
    (void)Parse({"--site="}).Require("site");
    FAIL() << "an empty required flag was taken";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.message, "--site is required");
  }
}

TEST(ArgsTest, ChannelsAndRolesAreReadOrRefusedWithTheChoices) {
  EXPECT_EQ(ParseChannel("whatsapp"), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(ParseChannel("SMS"), v1::CHANNEL_SMS);
  EXPECT_EQ(ParseRoleFlag("tenant"), v1::RESIDENT_ROLE_TENANT);
  try {
    ParseChannel("fax");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(e.message.find("unknown channel 'fax' (sms, phone"), std::string::npos) << e.message;
  }
  EXPECT_THROW(ParseChannel("unspecified"), UsageError);
  EXPECT_THROW(ParseRoleFlag("landlord"), UsageError);
}

}  // namespace
}  // namespace lobbyctl

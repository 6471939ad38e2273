#include "services/residents/phone.h"

#include <gtest/gtest.h>

namespace lobby::residents {
namespace {

struct Case {
  const char* raw;
  const char* region;
  const char* want;  // nullptr: invalid
};

TEST(NormalizePhoneTest, Table) {
  const Case cases[] = {
      {"9123 4567", "HK", "+85291234567"},
      {"91234567", "HK", "+85291234567"},
      {"+852 9123-4567", "CN", "+85291234567"},
      {"+852-6123-4567", "HK", "+85261234567"},
      {"852 9123 4567", "CN", nullptr},  // no + and not a CN number
      {"138 0013 8000", "CN", "+8613800138000"},
      {"+86 138-0013-8000", "HK", "+8613800138000"},
      {"0912 345 678", "TW", "+886912345678"},
      {"+886 912 345 678", "HK", "+886912345678"},
      {"+1 (415) 555-2671", "HK", "+14155552671"},
      {"2345 6789", "HK", "+85223456789"},  // HK fixed line
      {"", "HK", nullptr},
      {"123", "HK", nullptr},
      {"9123 456", "HK", nullptr},   // one digit short
      {"1234 5678", "HK", nullptr},  // no HK number starts with 1
      {"call me", "HK", nullptr},
      {"+999 1234 5678", "HK", nullptr},
  };
  for (const Case& c : cases) {
    auto got = NormalizePhone(c.raw, c.region);
    if (c.want == nullptr) {
      EXPECT_FALSE(got.ok()) << c.raw << " -> " << (got.ok() ? *got : "");
      if (!got.ok()) {
        EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
      }
    } else {
      ASSERT_TRUE(got.ok()) << c.raw << ": " << got.status();
      EXPECT_EQ(*got, c.want) << c.raw;
    }
  }
}

TEST(NormalizePhoneTest, Regions) {
  EXPECT_TRUE(IsSupportedRegion("HK"));
  EXPECT_TRUE(IsSupportedRegion("CN"));
  EXPECT_TRUE(IsSupportedRegion("TW"));
  EXPECT_FALSE(IsSupportedRegion("XX"));
  EXPECT_FALSE(IsSupportedRegion("hk"));
}

}  // namespace
}  // namespace lobby::residents

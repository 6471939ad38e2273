#include "services/tickets/classifier.h"

#include <gtest/gtest.h>

#include "services/tickets/catalog.h"

namespace lobby::tickets {
namespace {

struct Case {
  const char* text;
  const char* category;  // "" = nothing recognised
  bool emergency;
};

// Messages as residents write them, in Hong Kong Cantonese, Mandarin and English.
const Case kCases[] = {
    {"廚房水喉漏水，地下濕晒", "plumbing", false},
    {"洗手間坐廁塞咗", "plumbing", false},
    {"浴室天花滲水，應該係樓上漏水", "plumbing", false},
    {"屋企停電，成個單位冇電", "electrical", false},
    {"客廳盞燈唔着", "electrical", false},
    {"大堂電梯壞咗", "lift", false},
    {"有人困咗喺電梯入面！", "lift_trapped", true},
    {"電梯困人呀，快啲嚟", "lift_trapped", true},
    {"聞到好大陣煤氣味", "gas", true},
    {"廚房有石油氣味", "gas", true},
    {"樓上裝修好嘈，日日打鑽", "noise", false},
    {"隔籬屋成晚播音樂，好嘈", "noise", false},
    {"大門門鎖壞咗，鎖唔到門", "doors_locks", false},
    {"垃圾房好臭，好多垃圾冇人清", "cleaning", false},
    {"走廊有老鼠出沒", "pest", false},
    {"廚房好多曱甴", "pest", false},
    {"成座大廈停水", "water_outage", false},
    {"冷氣機唔凍仲滴水", "air_conditioning", false},
    {"管理員態度好差", "staff_conduct", false},
    {"管理費收多咗", "billing", false},
    {"有人喺停車場亂泊車，阻住出入", "parking", false},
    {"保安唔見咗，大堂冇人睇", "security", false},
    {"有可疑人物喺後樓梯徘徊", "security", false},
    {"火警鐘響，走廊有煙", "fire", true},
    {"單位入面冒煙，好似着火", "fire", true},
    {"大雨後停車場水浸", "flooding", true},
    {"爆水管，成屋都係水", "flooding", true},
    {"廚房水管漏水了", "plumbing", false},
    {"马桶堵了，冲不下去", "plumbing", false},
    {"家里停电了", "electrical", false},
    {"电梯坏了，一直停在三楼", "lift", false},
    {"有人被困在电梯里", "lift_trapped", true},
    {"闻到燃气味道，很浓", "gas", true},
    {"楼上装修声太吵了", "noise", false},
    {"邻居家的狗一直叫", "neighbour", false},
    {"门禁卡刷不开大门", "doors_locks", false},
    {"空调不制冷", "air_conditioning", false},
    {"楼道里垃圾没人清理，很脏", "cleaning", false},
    {"厨房有蟑螂", "pest", false},
    {"物业费为什么涨了", "billing", false},
    {"保安态度很差", "staff_conduct", false},
    {"车位被别人占了", "parking", false},
    {"小区绿化带的树倒了", "environment", false},
    {"有人在楼道吸烟，烟味很大", "environment", false},
    {"冒烟了，可能着火", "fire", true},
    {"家里没水了", "water_outage", false},
    {"小区停水什么时候恢复", "water_outage", false},
    {"The kitchen tap is leaking", "plumbing", false},
    {"Toilet is blocked", "plumbing", false},
    {"There's a leak under the sink", "plumbing", false},
    {"No power in my flat since this morning", "electrical", false},
    {"The lights in the corridor are out", "electrical", false},
    {"Lift B is out of order", "lift", false},
    {"Someone is trapped in the lift!", "lift_trapped", true},
    {"I smell gas in the kitchen", "gas", true},
    {"There's smoke coming from the flat next door", "fire", true},
    {"Water is flooding the corridor from a burst pipe", "flooding", true},
    {"The neighbours upstairs are very noisy every night", "noise", false},
    {"My neighbour's dog barks all day", "neighbour", false},
    {"Someone parked in my parking space", "parking", false},
    {"The security guard was rude to me", "staff_conduct", false},
    {"I was overcharged on my management fee", "billing", false},
    {"Cockroaches in the bin room", "pest", false},
    {"Rubbish has not been collected for days", "cleaning", false},
    {"My front door lock is broken", "doors_locks", false},
    {"Air con not working", "air_conditioning", false},
    {"Suspicious person in the car park", "security", false},
    {"Low water pressure in the shower", "water_outage", false},
    {"My gas bill is too high", "billing", false},
    {"Residents are smoking in the stairwell", "environment", false},
    {"Hello", "", false},
    {"謝謝你們", "", false},
    {"lift 困人", "lift_trapped", true},
    {"GAS   SMELL!!", "gas", true},
};

TEST(ClassifierTest, RealLookingMessages) {
  Classifier c(DefaultCatalog());
  int n = 0;
  for (const Case& k : kCases) {
    v1::Classification got = c.Classify(k.text);
    EXPECT_EQ(got.category(), k.category) << k.text << " matched: " << got.ShortDebugString();
    EXPECT_EQ(got.emergency(), k.emergency) << k.text;
    if (*k.category) {
      EXPECT_GT(got.confidence(), 0) << k.text;
      EXPECT_LE(got.confidence(), 1) << k.text;
    }
    ++n;
  }
  EXPECT_GE(n, 60);
}

TEST(ClassifierTest, ConfidenceGrowsWithEvidence) {
  Classifier c(DefaultCatalog());
  double weak = c.Classify("leak").confidence();
  double strong = c.Classify("leaking pipe under the kitchen tap").confidence();
  EXPECT_LT(weak, strong);
  EXPECT_DOUBLE_EQ(strong, 1.0);
  EXPECT_EQ(c.Classify("smoke").kind(), "repair");
  EXPECT_EQ(c.Classify("噪音").kind(), "complaint");
}

TEST(ClassifierTest, UsesTheSitesOwnCatalog) {
  auto catalog = ParseCatalog(R"(
categories:
  - id: pool
    kind: repair
    names: {zh-Hant: 泳池, zh-Hans: 泳池, en: Swimming pool}
    default_priority: P3
    keywords: [泳池, pool]
)",
                              "demo");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  Classifier c(*catalog);
  EXPECT_EQ(c.Classify("The pool water is green").category(), "pool");
  EXPECT_EQ(c.Classify("kitchen tap leaking").category(), "");
}

}  // namespace
}  // namespace lobby::tickets

#include "services/tickets/state_machine.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace lobby::tickets {
namespace {

using A = v1::TicketAction;
using S = v1::TicketStatus;

// Every legal (from, action) -> to; every other pair must be refused.
const std::map<std::pair<S, A>, S> kRepairLegal = {
    {{S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_ACKNOWLEDGE}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_REOPENED, A::TICKET_ACTION_ACKNOWLEDGE}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_ON_THE_WAY}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_ARRIVE}, S::TICKET_STATUS_ON_SITE},
    {{S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_HOLD}, S::TICKET_STATUS_ON_HOLD},
    {{S::TICKET_STATUS_ON_SITE, A::TICKET_ACTION_HOLD}, S::TICKET_STATUS_ON_HOLD},
    {{S::TICKET_STATUS_ON_HOLD, A::TICKET_ACTION_RESUME}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_ON_SITE, A::TICKET_ACTION_RESOLVE}, S::TICKET_STATUS_RESOLVED},
    {{S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_CLOSE}, S::TICKET_STATUS_CLOSED},
    {{S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_REOPEN}, S::TICKET_STATUS_REOPENED},
    {{S::TICKET_STATUS_CLOSED, A::TICKET_ACTION_REOPEN}, S::TICKET_STATUS_REOPENED},
    {{S::TICKET_STATUS_NEW, A::TICKET_ACTION_CANCEL}, S::TICKET_STATUS_CANCELLED},
    {{S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_CANCEL}, S::TICKET_STATUS_CANCELLED},
    {{S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_CANCEL}, S::TICKET_STATUS_CANCELLED},
};

const std::map<std::pair<S, A>, S> kComplaintLegal = {
    {{S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_ACKNOWLEDGE}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_REOPENED, A::TICKET_ACTION_ACKNOWLEDGE}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_ACKNOWLEDGED, A::TICKET_ACTION_SUBMIT_REVIEW}, S::TICKET_STATUS_IN_REVIEW},
    {{S::TICKET_STATUS_IN_REVIEW, A::TICKET_ACTION_APPROVE}, S::TICKET_STATUS_RESOLVED},
    {{S::TICKET_STATUS_IN_REVIEW, A::TICKET_ACTION_REJECT}, S::TICKET_STATUS_ACKNOWLEDGED},
    {{S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_CLOSE}, S::TICKET_STATUS_CLOSED},
    {{S::TICKET_STATUS_RESOLVED, A::TICKET_ACTION_REOPEN}, S::TICKET_STATUS_REOPENED},
    {{S::TICKET_STATUS_CLOSED, A::TICKET_ACTION_REOPEN}, S::TICKET_STATUS_REOPENED},
    {{S::TICKET_STATUS_NEW, A::TICKET_ACTION_CANCEL}, S::TICKET_STATUS_CANCELLED},
    {{S::TICKET_STATUS_ASSIGNED, A::TICKET_ACTION_CANCEL}, S::TICKET_STATUS_CANCELLED},
};

void CheckAll(Kind kind, const std::map<std::pair<S, A>, S>& legal) {
  int refused = 0;
  for (int s = S::TICKET_STATUS_NEW; s <= S::TICKET_STATUS_CANCELLED; ++s) {
    for (int a = A::TICKET_ACTION_ACKNOWLEDGE; a <= A::TICKET_ACTION_ON_THE_WAY; ++a) {
      auto got = Next(kind, static_cast<S>(s), static_cast<A>(a));
      auto it = legal.find({static_cast<S>(s), static_cast<A>(a)});
      std::string pair = StatusName(static_cast<S>(s)) + " + " + ActionName(static_cast<A>(a));
      if (it == legal.end()) {
        ASSERT_FALSE(got.ok()) << pair << " should be refused";
        EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition) << pair;
        EXPECT_NE(got.status().message().find(StatusName(static_cast<S>(s))),
                  absl::string_view::npos);
        ++refused;
      } else {
        ASSERT_TRUE(got.ok()) << pair;
        EXPECT_EQ(got->to, it->second) << pair;
        EXPECT_EQ(std::string(got->event).rfind("ticket.", 0), 0u);
      }
    }
  }
  EXPECT_EQ(refused, 10 * 12 - static_cast<int>(legal.size()));
}

TEST(StateMachineTest, RepairsEveryPair) { CheckAll(Kind::kRepair, kRepairLegal); }
TEST(StateMachineTest, ComplaintsEveryPair) { CheckAll(Kind::kComplaint, kComplaintLegal); }

TEST(StateMachineTest, AssignableStatuses) {
  for (S s : {S::TICKET_STATUS_NEW, S::TICKET_STATUS_ASSIGNED, S::TICKET_STATUS_ACKNOWLEDGED,
              S::TICKET_STATUS_ON_HOLD, S::TICKET_STATUS_REOPENED}) {
    EXPECT_TRUE(CanAssign(s)) << StatusName(s);
  }
  for (S s : {S::TICKET_STATUS_ON_SITE, S::TICKET_STATUS_IN_REVIEW, S::TICKET_STATUS_RESOLVED,
              S::TICKET_STATUS_CLOSED, S::TICKET_STATUS_CANCELLED}) {
    EXPECT_FALSE(CanAssign(s)) << StatusName(s);
  }
}

TEST(StateMachineTest, WhoMayAct) {
  using auth::Role;
  EXPECT_TRUE(MayAct(Role::kTechnician, A::TICKET_ACTION_ACKNOWLEDGE));
  EXPECT_TRUE(MayAct(Role::kTechnician, A::TICKET_ACTION_RESOLVE));
  EXPECT_FALSE(MayAct(Role::kTechnician, A::TICKET_ACTION_CANCEL));
  EXPECT_FALSE(MayAct(Role::kTechnician, A::TICKET_ACTION_APPROVE));
  EXPECT_FALSE(MayAct(Role::kAgent, A::TICKET_ACTION_APPROVE));
  EXPECT_TRUE(MayAct(Role::kManager, A::TICKET_ACTION_APPROVE));
  EXPECT_TRUE(MayAct(Role::kAdapter, A::TICKET_ACTION_CANCEL));  // the resident cancels
  EXPECT_TRUE(MayAct(Role::kAdapter, A::TICKET_ACTION_REOPEN));  // "it is not fixed"
  EXPECT_FALSE(MayAct(Role::kAdapter, A::TICKET_ACTION_RESOLVE));
  EXPECT_TRUE(MayAct(Role::kTechnician, A::TICKET_ACTION_ON_THE_WAY));
  EXPECT_FALSE(MayAct(Role::kAdapter, A::TICKET_ACTION_ON_THE_WAY));
}

// "On my way" once per visit: again after the job is acknowledged again or resumed.
TEST(StateMachineTest, SetOutOncePerVisit) {
  v1::Ticket t;
  auto did = [&](const char* action) { t.add_history()->set_action(action); };
  EXPECT_FALSE(SetOut(t));
  did("acknowledged");
  EXPECT_FALSE(SetOut(t));
  did("on_the_way");
  EXPECT_TRUE(SetOut(t));
  did("commented");
  EXPECT_TRUE(SetOut(t)) << "a comment on the way changes nothing";
  did("on_hold");
  EXPECT_TRUE(SetOut(t));
  did("resumed");
  EXPECT_FALSE(SetOut(t)) << "the visit is redone";
}

}  // namespace
}  // namespace lobby::tickets

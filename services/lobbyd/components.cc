#include "services/lobbyd/components.h"

#include "adapters/chatbot/line/component.h"
#include "adapters/chatbot/telegram/component.h"
#include "adapters/chatbot/wechat/component.h"
#include "adapters/chatbot/whatsapp/component.h"
#include "adapters/gateway/component.h"
#include "adapters/hotline/component.h"
#include "adapters/sms/component.h"
#include "services/accounts/component.h"
#include "services/calls/component.h"
#include "services/complaints/component.h"
#include "services/dispatch/component.h"
#include "services/repairs/component.h"
#include "services/residents/component.h"
#include "services/surveys/component.h"

namespace lobby {

namespace {
using Kind = ComponentDef::Kind;
constexpr ComponentDef kComponents[] = {
    Define<residents::Component>("residents", Kind::kService),
    Define<repairs::Component>("repairs", Kind::kService),
    Define<complaints::Component>("complaints", Kind::kService),
    Define<dispatch::Component>("dispatch", Kind::kService),
    Define<surveys::Component>("surveys", Kind::kService),
    Define<calls::Component>("calls", Kind::kService),
    Define<accounts::Component>("accounts", Kind::kService),
    Define<telegram::Component>("telegram", Kind::kAdapter, "telegram-token"),
    Define<whatsapp::Component>("whatsapp", Kind::kAdapter, "whatsapp-token"),
    Define<line::Component>("line", Kind::kAdapter, "line-token"),
    Define<wechat::Component>("wechat", Kind::kAdapter, "wechat-token"),
    Define<sms::Component>("sms", Kind::kAdapter, "sms-twilio-account-sid"),
    Define<hotline::Component>("hotline", Kind::kAdapter, "hotline-lines"),
    // Every method over HTTP: needs nothing a test must give (its settings have defaults).
    Define<gateway::Component>("gateway", Kind::kAdapter, "gateway-timeout"),
};
}  // namespace

std::span<const ComponentDef> Components() { return kComponents; }

}  // namespace lobby

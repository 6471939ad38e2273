#include "services/common/scope.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "services/common/log.h"

namespace lobby {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string StringField(const Message& m, absl::string_view name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(std::string(name));
  if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_STRING) return "";
  return m.GetReflection()->GetString(m, f);
}

}  // namespace

std::string SiteOf(const Message& message, int depth) {
  std::string site = StringField(message, "site_id");
  if (!site.empty() || depth == 0) return site;
  const auto* d = message.GetDescriptor();
  const auto* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated() || f->type() != FieldDescriptor::TYPE_MESSAGE || !r->HasField(message, f))
      continue;
    site = SiteOf(r->GetMessage(message, f), depth - 1);
    if (!site.empty()) return site;
  }
  return "";
}

absl::Status CheckRequestEstate(const auth::Principal& p, const Message& request) {
  if (p.all_estates) return absl::OkStatus();
  std::string site = SiteOf(request);
  if (site.empty()) return absl::OkStatus();
  return auth::CheckEstate(p, site);
}

absl::Status ScopeResponse(const auth::Principal& p, Message& response) {
  if (p.all_estates) return absl::OkStatus();
  std::string site = SiteOf(response);
  if (!site.empty() && !auth::MayActIn(p, site)) {
    response.Clear();
    return auth::CheckEstate(p, site);
  }
  const auto* d = response.GetDescriptor();
  const auto* r = response.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!f->is_repeated() || f->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    int kept = 0;
    const int n = r->FieldSize(response, f);
    for (int k = 0; k < n; ++k) {
      std::string item_site = SiteOf(r->GetRepeatedMessage(response, f, k));
      if (!item_site.empty() && !auth::MayActIn(p, item_site)) continue;
      if (kept != k) r->SwapElements(&response, f, kept, k);
      ++kept;
    }
    for (int k = n; k > kept; --k) r->RemoveLast(&response, f);
  }
  return absl::OkStatus();
}

std::string AuditTarget(const Message& request, const Message& response) {
  for (const char* name :
       {"id", "ticket_id", "resident_id", "call_id", "login", "member", "name"}) {
    std::string v = StringField(request, name);
    if (!v.empty()) return v;
  }
  return StringField(response, "id");
}

void AuditLog::Record(const auth::Principal& p, absl::string_view method, const Message& request,
                      const Message& response, const absl::Status& outcome) {
  std::string site = SiteOf(request);
  if (site.empty()) site = SiteOf(response);
  absl::string_view short_method = method;
  if (auto dot = short_method.find('.', 6); dot != absl::string_view::npos)
    short_method.remove_prefix(dot + 1);  // "RepairService/Transition"
  redis::Args args = {"XADD",
                      kStream,
                      "MAXLEN",
                      "~",
                      absl::StrCat(kMaxEntries),
                      "*",
                      "at",
                      absl::StrCat(absl::ToUnixMillis(clock_.Now())),
                      "actor",
                      p.name,
                      "user",
                      p.user,
                      "role",
                      std::string(auth::RoleName(p.role)),
                      "for",
                      p.acting_for,
                      "method",
                      std::string(short_method),
                      "site",
                      site,
                      "target",
                      AuditTarget(request, response),
                      "outcome",
                      absl::StatusCodeToString(outcome.code())};
  // Pipelined with the other calls' writes, not waited for: the call's answer does not wait on
  // a round trip of its own. Should the process die in between, the entries of its last
  // moments are lost; the changes they record are not.
  redis_.RunAsync({std::move(args)}, [](absl::StatusOr<std::vector<redis::Reply>> r) {
    absl::Status s =
        r.ok() && !r->empty() && (*r)[0].IsError() ? absl::InternalError((*r)[0].str) : r.status();
    if (!s.ok()) {
      static auto logger = log::Get("audit");
      logger->warn("event=write_failed error=\"{}\"", s.message());
    }
  });
}

}  // namespace lobby

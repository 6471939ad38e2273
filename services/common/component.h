#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/common/status_macros.h"

namespace lobby {

/// A part that lobbyd hosts: a service (its gRPC service, consumers and loops) or an adapter (its
/// webhooks and delivery workers). Built by its `Create` onto a Runtime before Start(), and kept
/// alive until after Shutdown() (userver's components). Every component type has:
///   static void Declare(config::Settings&);         // its settings, each name declared once
///   static absl::StatusOr<std::unique_ptr<T>> Create(const config::Settings&, Runtime&);
/// its Create reading and checking its settings in one place before it builds anything.
class Component {
 public:
  virtual ~Component() = default;
};

/// One line of the component list (services/lobbyd/components.cc).
struct ComponentDef {
  enum class Kind { kService, kAdapter };
  using DeclareFn = void (*)(config::Settings&);
  using CreateFn = absl::StatusOr<std::unique_ptr<Component>> (*)(const config::Settings&,
                                                                  Runtime&);
  std::string_view name;  // as --services or --adapters names it
  Kind kind;
  DeclareFn declare;
  CreateFn create;
  /// An adapter's setting without which it cannot run (its credentials): the test harness hosts
  /// the adapters whose setting a test gives.
  std::string_view needs = {};
};

/// The ComponentDef of component type `T`.
template <typename T>
constexpr ComponentDef Define(std::string_view name, ComponentDef::Kind kind,
                              std::string_view needs = {}) {
  return {name, kind, &T::Declare,
          [](const config::Settings& s, Runtime& r) -> absl::StatusOr<std::unique_ptr<Component>> {
            LOBBY_ASSIGN_OR_RETURN(auto c, T::Create(s, r));
            return std::unique_ptr<Component>(std::move(c));
          },
          needs};
}

}  // namespace lobby

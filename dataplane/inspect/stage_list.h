// StageList<Stages...>: a Pipeline made of the given stages, called in the given order.
// Each hook is resolved at compile time: a stage without a hook costs nothing for it,
// and the stages' hooks are called directly (inlined), so the pipeline adds one virtual
// call per hook and message to what the stages themselves do. Included by
// dataplane/features/pipeline.cc only.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "dataplane/inspect/active_rules.h"
#include "dataplane/inspect/pipeline.h"

namespace bulwark::inspect {

template <class... Stages>
class StageList final : public Pipeline {
 public:
  explicit StageList(const StageEnv& env) : StageList(env, std::index_sequence_for<Stages...>{}) {}

  // Each stage's per-rule-set part, at its position in rules.parts.
  static bool prepare(ActiveRules& rules, const PrepareEnv& env, std::string& error) {
    rules.parts.resize(sizeof...(Stages));
    return prepare_each(rules, env, error, std::index_sequence_for<Stages...>{});
  }

  bool init(std::string& error) override {
    return std::apply([&](auto&... s) { return (init_one(s, error) && ...); }, stages_);
  }
  void open(Session& ses) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_open(ses); }) s.on_open(ses);
    });
  }
  void request_head(Request& r) override {
    std::apply([&](auto&... s) { (void)(head_one(s, r) && ...); }, stages_);
  }
  void request_body(Request& r, const uint8_t* data, size_t len) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_request_body(r, data, len); }) s.on_request_body(r, data, len);
    });
  }
  void request_end(Request& r) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_request_end(r); }) s.on_request_end(r);
    });
  }
  void response_head(Request& r) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_response_head(r); }) s.on_response_head(r);
    });
  }
  void response_body(Request& r, const uint8_t* data, size_t len) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_response_body(r, data, len); })
        s.on_response_body(r, data, len);
    });
  }
  void response_end(Request& r) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_response_end(r); }) s.on_response_end(r);
    });
  }
  void anomaly(Request& r, uint32_t anomalies) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_anomaly(r, anomalies); }) s.on_anomaly(r, anomalies);
    });
  }
  void new_rules(Request& r) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_new_rules(r); }) s.on_new_rules(r);
    });
  }
  void end(Session& ses, End why, const Request* r) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_end(ses, why, r); }) s.on_end(ses, why, r);
    });
  }
  bool tls_start(Request& r) override {
    return std::apply([&](auto&... s) { return (tls_start_one(s, r) && ...); }, stages_);
  }
  void tls_bytes(Request& r, const uint8_t* data, uint32_t len) override {
    each([&](auto& s) {
      if constexpr (requires { s.on_tls_bytes(r, data, len); }) s.on_tls_bytes(r, data, len);
    });
    if (r.hello == nullptr) return;
    std::apply([&](auto&... s) { (void)(hello_one(s, r) && ...); }, stages_);
    r.hello = nullptr;
  }
  bool holds(const Session& ses, SharedPool pool) const override {
    return std::apply(
        [&](const auto&... s) {
          return (false || ... || [&] {
            if constexpr (requires { s.holds(ses, pool); })
              return s.holds(ses, pool);
            else
              return false;
          }());
        },
        stages_);
  }
  void rules_swapped() override {
    each([&](auto& s) {
      if constexpr (requires { s.on_rules_swapped(); }) s.on_rules_swapped();
    });
  }
  void publish(uint64_t now_tsc) override {
    each([&](auto& s) {
      if constexpr (requires { s.publish(now_tsc); }) s.publish(now_tsc);
    });
  }

 private:
  template <size_t... I>
  StageList(const StageEnv& env, std::index_sequence<I...>) : stages_(Stages(at(env, I))...) {}

  static StageEnv at(const StageEnv& env, unsigned index) {
    StageEnv e = env;
    e.index = index;
    return e;
  }
  template <size_t... I>
  static bool prepare_each(ActiveRules& rules, const PrepareEnv& env, std::string& error,
                           std::index_sequence<I...>) {
    return (prepare_one<Stages, I>(rules, env, error) && ...);
  }
  template <class S, size_t I>
  static bool prepare_one(ActiveRules& rules, const PrepareEnv& env, std::string& error) {
    if constexpr (requires { S::prepare(*rules.bundle, env, error); }) {
      rules.parts[I] = S::prepare(*rules.bundle, env, error);
      return rules.parts[I] != nullptr;
    } else {
      return true;
    }
  }
  template <class F>
  void each(F&& f) {
    std::apply([&](auto&... s) { (f(s), ...); }, stages_);
  }
  template <class S>
  static bool init_one(S& s, std::string& error) {
    if constexpr (requires { s.init(error); })
      return s.init(error);
    else
      return true;
  }
  template <class S>
  static bool head_one(S& s, Request& r) {
    if constexpr (requires { s.on_request_head(r); })
      return s.on_request_head(r) == Next::go;
    else
      return true;
  }
  template <class S>
  static bool tls_start_one(S& s, Request& r) {
    if constexpr (requires { s.on_tls_start(r); })
      return s.on_tls_start(r) == Next::go;
    else
      return true;
  }
  template <class S>
  static bool hello_one(S& s, Request& r) {
    if constexpr (requires { s.on_client_hello(r); })
      return s.on_client_hello(r) == Next::go;
    else
      return true;
  }

  std::tuple<Stages...> stages_;
};

}  // namespace bulwark::inspect

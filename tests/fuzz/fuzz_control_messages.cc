// libFuzzer target: messages on the management and dataplane sockets. The input is a
// byte stream cut into reads of varying size (first byte picks the cut) and fed to the
// frame reader, as a socket would deliver it; every whole message goes to
// bulwark-control's request handler (a real Controller with a private state directory).
// Commands that record new versions (rules.load, config.commit, config.rollback) are
// left out: each would add a version on disk per input. Anything may be refused; nothing
// may crash, hang or throw.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "control/controller.h"
#include "dataplane/api/wire.h"

using namespace bulwark;

namespace {

control::Controller* controller() {
  static control::Controller* c =
      [] {
        // Under TMPDIR, which run_fuzzer.sh points at its own directory (removed afterwards).
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/bulwark-fuzz-control-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) std::abort();
        const std::string d = tmpl;
        std::ofstream(d + "/config.yaml")
            << "dataplane: {socket: " << d << "/dp.sock, stats_shm: /bulwark-fuzz-none}\n"
            << "metrics: {listen: \"off\"}\nevents: {file: " << d << "/events.jsonl}\n";
        std::ofstream(d + "/r.yaml")
            << "rules:\n  - {id: 1, name: a, action: block, match: {field: path, prefix: /a}}\n";
        auto* ctl = new control::Controller();
        control::ControllerOptions o;
        o.state_dir = d + "/state";
        o.initial_config = d + "/config.yaml";
        o.initial_rules = {d + "/r.yaml"};
        std::string err;
        if (!ctl->start(o, err)) std::abort();
        return ctl;
      }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  api::FrameReader reader;
  for (size_t off = 1; off < size; off += step) {
    reader.feed(data + off, std::min(step, size - off));
    api::json msg;
    std::string error;
    int r;
    while ((r = reader.next(msg, error)) == 1) {
      const std::string cmd = api::get_string(msg, "cmd");
      if (cmd == "rules.load" || cmd == "config.commit" || cmd == "config.rollback") continue;
      const auto reply = controller()->handle(msg, "fuzz");
      if (!reply.is_object() || !reply.contains("ok")) __builtin_trap();
    }
    if (r < 0) {
      if (error.empty()) __builtin_trap();
      return 0;  // a broken stream: the connection would be closed
    }
  }
  return 0;
}

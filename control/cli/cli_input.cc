// Files, durations and the editor for bulwarkctl (see cli_input.h).
#include "control/cli/cli_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bulwark::cli {

bool read_text(const std::string& path, std::string& out) {
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

bool parse_duration(const std::string& text, uint64_t& seconds) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  const std::string unit = text.substr(digits);
  const uint64_t per = unit.empty() || unit == "s" ? 1
                       : unit == "m"               ? 60
                       : unit == "h"               ? 3600
                       : unit == "d"               ? 86400
                                                   : 0;
  seconds = std::stoull(text.substr(0, digits)) * per;
  return per != 0 && seconds > 0;
}

int fail(int exit_code, const std::string& message) {
  std::fprintf(stderr, "bulwarkctl: %s\n", message.c_str());
  return exit_code;
}

bool edit_text(std::string& text, std::string& error) {
  char tmpl[] = "/tmp/bulwark-config-XXXXXX.yaml";
  const int fd = mkstemps(tmpl, 5);
  if (fd < 0) {
    error = "cannot create a temporary file";
    return false;
  }
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    close(fd);
    error = "cannot write a temporary file";
    return false;
  }
  close(fd);
  const char* ed = std::getenv("VISUAL");
  if (!ed || !*ed) ed = std::getenv("EDITOR");
  if (!ed || !*ed) ed = "vi";
  const std::string cmd = std::string(ed) + " '" + tmpl + "'";
  const int rc = std::system(cmd.c_str());
  const bool ok = rc == 0 && read_text(tmpl, text);
  unlink(tmpl);
  if (!ok) error = "the editor (" + std::string(ed) + ") failed; nothing staged";
  return ok;
}

}  // namespace bulwark::cli

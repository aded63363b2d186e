// What bulwarkctl's CLI steps need to turn a command line into a request: reading files
// (or stdin), durations like 7d, the operator's editor, and saying why it gives up.
#pragma once

#include <cstdint>
#include <string>

namespace bulwark::cli {

// The whole file, or stdin for "-"; false if it cannot be read.
bool read_text(const std::string& path, std::string& out);
// "90s", "10m", "2h", "7d" or plain seconds; false for anything else or zero.
bool parse_duration(const std::string& text, uint64_t& seconds);
// Opens $VISUAL/$EDITOR (or vi) on `text`; the edited text, or false and `error` if the
// editor failed.
bool edit_text(std::string& text, std::string& error);
// Prints "bulwarkctl: MESSAGE" to stderr; returns `exit_code`.
int fail(int exit_code, const std::string& message);

}  // namespace bulwark::cli

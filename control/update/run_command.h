// Runs a program with arguments (no shell) and waits for it: used by bulwark-update for
// tar, dpkg-deb, apt-get and systemctl. Off any packet path.
#pragma once

#include <string>
#include <vector>

namespace bulwark::update {

// Exit status (0 = success; 127 = could not be started; 128+N = killed by signal N).
// With `output`, the program's stdout is captured (at most 1 MiB); stderr passes through.
// `cwd` empty: the current directory.
int run_command(const std::vector<std::string>& argv, std::string* output = nullptr,
                const std::string& cwd = {});

}  // namespace bulwark::update

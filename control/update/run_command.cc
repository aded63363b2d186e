// fork/exec/wait for bulwark-update; see run_command.h.
#include "control/update/run_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace bulwark::update {

int run_command(const std::vector<std::string>& argv, std::string* output, const std::string& cwd) {
  if (argv.empty()) return 127;
  int pipefd[2] = {-1, -1};
  if (output && pipe(pipefd) != 0) return 127;
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (output) {
      dup2(pipefd[1], STDOUT_FILENO);
      close(pipefd[0]);
      close(pipefd[1]);
    }
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (output) {
    close(pipefd[1]);
    output->clear();
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0 && output->size() < (1u << 20)) output->append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 127;
}

}  // namespace bulwark::update

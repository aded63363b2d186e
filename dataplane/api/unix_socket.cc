// Unix socket set-up and timed message I/O (see unix_socket.h).
#include "dataplane/api/unix_socket.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace bulwark::api {
namespace {

bool fill_address(const std::string& path, sockaddr_un& a, std::string& error) {
  std::memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    error = "socket path '" + path + "' is empty or longer than " +
            std::to_string(sizeof a.sun_path - 1) + " bytes";
    return false;
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return true;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

int listen_unix(const std::string& path, mode_t mode, const std::string& group,
                std::string& error) {
  sockaddr_un a;
  if (!fill_address(path, a, error)) return -1;
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      close(fd);
      error = path + " exists and is not a socket; remove it or choose another path";
      return -1;
    }
    unlink(path.c_str());  // stale socket of an earlier run
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0) {
    error = "cannot listen on " + path + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  if (!group.empty()) {
    const struct group* g = getgrnam(group.c_str());
    if (g == nullptr || chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      error = "cannot give " + path + " to group '" + group + "' (does the group exist? groupadd " +
              group + ")";
      close(fd);
      unlink(path.c_str());
      return -1;
    }
  }
  if (chmod(path.c_str(), mode) != 0) {
    error = "cannot chmod " + path + ": " + std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

int connect_unix(const std::string& path, std::string& error) {
  sockaddr_un a;
  if (!fill_address(path, a, error)) return -1;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    const int e = errno;
    error = "cannot connect to " + path + ": " + std::strerror(e);
    if (e == ENOENT || e == ECONNREFUSED) error += " (is the process that listens there running?)";
    if (e == EACCES) error += " (not in the admin group, or not root)";
    close(fd);
    return -1;
  }
  return fd;
}

bool send_message(int fd, const json& msg, int timeout_ms, std::string& error) {
  const auto bytes = encode(msg);
  if (bytes.size() - 4 > kMaxFrame) {
    error = "message too large (" + std::to_string(bytes.size()) + " bytes)";
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      const int left = remaining_ms(deadline);
      if (left == 0 || poll(&p, 1, left) <= 0) {
        error = "timeout";
        return false;
      }
      continue;
    }
    error = std::string("send: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool recv_message(int fd, FrameReader& reader, json& out, int timeout_ms, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int r = reader.next(out, error);
    if (r == 1) return true;
    if (r < 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int wait = timeout_ms < 0 ? -1 : remaining_ms(deadline);
    const int pr = poll(&p, 1, wait);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      error = "timeout";
      return false;
    }
    uint8_t buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      error = "connection closed by peer";
      return false;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      error = std::string("recv: ") + std::strerror(errno);
      return false;
    }
    reader.feed(buf, static_cast<size_t>(n));
  }
}

long peer_uid(int fd) {
  ucred c{};
  socklen_t len = sizeof c;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0) return -1;
  return static_cast<long>(c.uid);
}

}  // namespace bulwark::api

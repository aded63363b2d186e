// TCP/UDP port lists as operators write them, on the command line (--http-ports) and in
// the configuration file (inspect.http_ports): "80", "80,8080", "8000-8010,443".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::api {

// Appends the ports of `text` (comma-separated ports 1..65535 and ranges a-b with a <= b;
// blanks around items are allowed) to `ports`, in the order written. A port already in
// `ports` is an error, so a caller can add several texts (YAML list items) and still
// catch a port named twice. On error returns false, leaves `ports` unchanged and sets
// `error` to what is wrong, e.g. "65536 is not a port (ports are 1..65535)".
bool add_port_list(std::string_view text, std::vector<uint16_t>& ports, std::string& error);

// The same for one text: `ports` is replaced by its ports.
bool parse_port_list(std::string_view text, std::vector<uint16_t>& ports, std::string& error);

}  // namespace bulwark::api

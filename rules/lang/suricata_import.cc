// Suricata HTTP rule import (see suricata_import.h). A hand-written reader: no Debian
// library parses Suricata rule syntax (Suricata's own parser is not a library).
#include "rules/lang/suricata_import.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "rules/lang/hs_escape.h"

namespace bulwark::rules {
namespace {

// Reason a rule is skipped.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Buffer {
  Field field;
  std::string arg;
  bool valid = false;
};

struct Content {
  std::string bytes;
  bool negated = false, nocase = false, startswith = false, endswith = false;
  bool relative = false;  // distance or within given
  long offset = -1, depth = -1, distance = -1, within = -1;
  Buffer buffer;
  bool is_pcre = false;
  std::string pcre;  // Hyperscan expression
  bool pcre_nocase = false;
};

const std::pair<const char*, Buffer> kSticky[] = {
    {"http.method", {Field::method, "", true}},
    {"http.uri", {Field::norm_uri, "", true}},
    {"http.uri.raw", {Field::uri, "", true}},
    {"http.host", {Field::host, "", true}},
    {"http.host.raw", {Field::host, "", true}},
    {"http.user_agent", {Field::user_agent, "", true}},
    {"http.header", {Field::headers, "", true}},
    {"http.header.raw", {Field::headers, "", true}},
    {"http.cookie", {Field::cookie, "", true}},
    {"http.request_body", {Field::body, "", true}},
    {"http.client_body", {Field::body, "", true}},
};

const std::pair<const char*, Buffer> kLegacy[] = {
    {"http_method", {Field::method, "", true}},  {"http_uri", {Field::norm_uri, "", true}},
    {"http_raw_uri", {Field::uri, "", true}},    {"http_host", {Field::host, "", true}},
    {"http_raw_host", {Field::host, "", true}},  {"http_user_agent", {Field::user_agent, "", true}},
    {"http_header", {Field::headers, "", true}}, {"http_raw_header", {Field::headers, "", true}},
    {"http_cookie", {Field::cookie, "", true}},  {"http_client_body", {Field::body, "", true}},
};

// Keywords that describe the alert, not what it matches.
const char* const kMetadata[] = {
    "msg",      "sid",    "rev",          "gid",      "classtype", "reference",         "metadata",
    "priority", "target", "fast_pattern", "rawbytes", "flow",      "app-layer-protocol"};

const Buffer* lookup(const std::pair<const char*, Buffer>* table, size_t n, const std::string& k) {
  for (size_t i = 0; i < n; ++i)
    if (k == table[i].first) return &table[i].second;
  return nullptr;
}

std::string trim(std::string s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// Splits "k:v; k2; k3:"a;b";" into (key, value) pairs; quotes and backslash escapes kept.
std::vector<std::pair<std::string, std::string>> split_options(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      cur += c;
      cur += body[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == ';' && !quoted) {
      const std::string opt = trim(cur);
      cur.clear();
      if (opt.empty()) continue;
      const size_t colon = opt.find(':');
      out.emplace_back(trim(opt.substr(0, colon)),
                       colon == std::string::npos ? "" : trim(opt.substr(colon + 1)));
      continue;
    }
    cur += c;
  }
  if (quoted) throw Skip("unterminated quoted string");
  if (!trim(cur).empty()) throw Skip("options do not end with ';'");
  return out;
}

// A quoted option value. In content, a backslash escapes the next character; in pcre
// it only escapes '"' and ';' (the rest belongs to the regular expression).
std::string unquote(const std::string& v, bool regex = false) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"')
    throw Skip("expected a quoted string: " + v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size() && (!regex || v[i + 1] == '"' || v[i + 1] == ';')) ++i;
    out += v[i];
  }
  return out;
}

// content text with |41 42| hex runs.
std::string content_bytes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '|') {
      out += s[i];
      continue;
    }
    const size_t end = s.find('|', i + 1);
    if (end == std::string::npos) throw Skip("unterminated |hex| in content");
    std::istringstream hex(s.substr(i + 1, end - i - 1));
    std::string byte;
    while (hex >> byte) {
      if (byte.size() != 2 || byte.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        throw Skip("bad hex byte '" + byte + "' in content");
      out += static_cast<char>(std::strtol(byte.c_str(), nullptr, 16));
    }
    i = end;
  }
  return out;
}

long number(const std::string& v, const std::string& key) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') throw Skip("'" + key + "' needs a number, not '" + v + "'");
  if (n < 0) throw Skip("negative '" + key + "' is not supported");
  return n;
}

std::string lit(const Content& c) {
  return c.nocase ? "(?i:" + hs_escape(c.bytes) + ")" : hs_escape(c.bytes);
}

// Any bytes, newlines included, between `lo` and `hi` times (hi < 0: unbounded).
std::string gap(long lo, long hi) {
  if (hi < 0) return "[\\s\\S]{" + std::to_string(lo) + ",}";
  if (hi < lo) throw Skip("within is shorter than the content");
  if (hi == 0) return "";
  if (hi == lo) return "[\\s\\S]{" + std::to_string(lo) + "}";
  return "[\\s\\S]{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
}

Condition leaf(const Buffer& b, Op op, std::string pattern, bool nocase, int line) {
  Condition c;
  c.kind = Condition::Kind::leaf;
  c.field = b.field;
  c.arg = b.arg;
  c.op = op;
  c.pattern = std::move(pattern);
  c.nocase = nocase;
  c.line = line;
  return c;
}

// A chain: one content, or contents linked by distance/within in the same buffer.
Condition chain_condition(const std::vector<Content>& chain, int line) {
  const Content& first = chain.front();
  if (chain.size() == 1 && !first.is_pcre && first.offset < 0 && first.depth < 0) {
    Op op = Op::contains;
    if (first.startswith && first.endswith)
      op = Op::equals;
    else if (first.startswith)
      op = Op::prefix;
    else if (first.endswith)
      op = Op::suffix;
    Condition c = leaf(first.buffer, op, first.bytes, first.nocase, line);
    if (!first.negated) return c;
    Condition n;
    n.kind = Condition::Kind::negate;
    n.line = line;
    n.children.push_back(std::move(c));
    return n;
  }
  if (first.is_pcre) return leaf(first.buffer, Op::regex, first.pcre, first.pcre_nocase, line);
  for (const auto& c : chain)
    if (c.negated) throw Skip("negated content with positional modifiers is not supported");
  std::string re;
  const long len0 = static_cast<long>(first.bytes.size());
  if (first.startswith) {
    re = "\\A";
  } else if (first.offset >= 0 || first.depth >= 0) {
    const long lo = first.offset < 0 ? 0 : first.offset;
    const long hi = first.depth < 0 ? -1 : lo + first.depth - len0;
    re = "\\A" + gap(lo, hi);
  }
  re += lit(first);
  for (size_t i = 1; i < chain.size(); ++i) {
    const Content& c = chain[i];
    const long len = static_cast<long>(c.bytes.size());
    const long lo = c.distance < 0 ? 0 : c.distance;
    re += gap(lo, c.within < 0 ? -1 : c.within - len) + lit(c);
  }
  if (chain.back().endswith) re += "\\z";
  return leaf(first.buffer, Op::regex, re, false, line);
}

// "/pattern/flags" -> Hyperscan expression, nocase, and the buffer its letters name.
void parse_pcre(const std::string& value, Content& c, const Buffer& sticky) {
  const std::string v = unquote(value, true);
  const size_t last = v.rfind('/');
  if (v.size() < 2 || v.front() != '/' || last == 0)
    throw Skip("pcre must look like \"/re/flags\"");
  std::string re = v.substr(1, last - 1), prefix;
  Buffer buf = sticky;
  for (char f : v.substr(last + 1)) {
    const Buffer* b = nullptr;
    switch (f) {
      case 'i': c.pcre_nocase = true; break;
      case 's': prefix += "(?s)"; break;
      case 'm': prefix += "(?m)"; break;
      case 'x': prefix += "(?x)"; break;
      case 'A': re = "\\A(?:" + re + ")"; break;
      case 'U': b = lookup(kLegacy, std::size(kLegacy), "http_uri"); break;
      case 'I': b = lookup(kLegacy, std::size(kLegacy), "http_raw_uri"); break;
      case 'M': b = lookup(kLegacy, std::size(kLegacy), "http_method"); break;
      case 'H':
      case 'D': b = lookup(kLegacy, std::size(kLegacy), "http_header"); break;
      case 'C': b = lookup(kLegacy, std::size(kLegacy), "http_cookie"); break;
      case 'P': b = lookup(kLegacy, std::size(kLegacy), "http_client_body"); break;
      case 'V': b = lookup(kLegacy, std::size(kLegacy), "http_user_agent"); break;
      case 'W': b = lookup(kLegacy, std::size(kLegacy), "http_host"); break;
      case 'R': throw Skip("pcre flag R (relative to the previous match) is not supported");
      default: throw Skip(std::string("pcre flag '") + f + "' is not supported");
    }
    if (b) buf = *b;
  }
  if (!buf.valid)
    throw Skip("pcre without an HTTP buffer (use a sticky buffer or U/H/P/... flags)");
  c.is_pcre = true;
  c.pcre = prefix + re;
  c.buffer = buf;
}

Rule import_rule(const std::string& text, const std::string& origin, int line,
                 std::vector<std::string>& warnings) {
  const size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    throw Skip("not a rule: expected 'action proto src port -> dst port (options)'");
  std::istringstream head(text.substr(0, open));
  std::string action, proto, src, sport, dir, dst, dport;
  head >> action >> proto >> src >> sport >> dir >> dst >> dport;
  if (dport.empty() || (dir != "->" && dir != "<>")) throw Skip("rule header is incomplete");
  if (proto != "http" && proto != "http1")
    throw Skip("protocol '" + proto + "' is not imported (http only)");
  Rule r;
  if (action == "alert")
    r.action = Action::log;
  else if (action == "drop" || action == "reject")
    r.action = Action::block;
  else
    throw Skip("action '" + action + "' is not imported (alert, drop, reject)");
  if (src != "any" && src.front() != '$')
    warnings.push_back(origin + ":" + std::to_string(line) + ": source addresses '" + src +
                       "' ignored");

  Buffer sticky;
  std::vector<std::string> ignored;
  std::vector<Content> contents;
  std::vector<Condition> extra;
  bool have_sid = false;
  for (const auto& [key, value] : split_options(text.substr(open + 1, close - open - 1))) {
    if (const Buffer* b = lookup(kSticky, std::size(kSticky), key)) {
      sticky = *b;
    } else if (const Buffer* l = lookup(kLegacy, std::size(kLegacy), key)) {
      if (contents.empty() || contents.back().is_pcre)
        throw Skip("'" + key + "' without a content before it");
      contents.back().buffer = *l;
    } else if (key == "content") {
      Content c;
      std::string v = value;
      if (!v.empty() && v.front() == '!') {
        c.negated = true;
        v = trim(v.substr(1));
      }
      c.bytes = content_bytes(unquote(v));
      if (c.bytes.empty()) throw Skip("empty content");
      c.buffer = sticky;
      contents.push_back(std::move(c));
    } else if (key == "pcre") {
      Content c;
      parse_pcre(value, c, sticky);
      contents.push_back(std::move(c));
    } else if (key == "nocase" || key == "startswith" || key == "endswith" || key == "depth" ||
               key == "offset" || key == "distance" || key == "within") {
      if (contents.empty() || contents.back().is_pcre)
        throw Skip("'" + key + "' without a content before it");
      Content& c = contents.back();
      if (key == "nocase") c.nocase = true;
      if (key == "startswith") c.startswith = true;
      if (key == "endswith") c.endswith = true;
      if (key == "depth") c.depth = number(value, key);
      if (key == "offset") c.offset = number(value, key);
      if (key == "distance") c.distance = number(value, key), c.relative = true;
      if (key == "within") c.within = number(value, key), c.relative = true;
    } else if (key == "urilen") {
      Condition c = leaf({Field::uri, "", true}, Op::length, "", false, line);
      std::string v = value;
      if (v.find("<>") != std::string::npos) throw Skip("urilen ranges are not supported");
      c.cmp = Cmp::eq;
      if (!v.empty() && v.front() == '<')
        c.cmp = Cmp::lt, v = trim(v.substr(1));
      else if (!v.empty() && v.front() == '>')
        c.cmp = Cmp::gt, v = trim(v.substr(1));
      c.number = static_cast<uint64_t>(number(v.substr(0, v.find(',')), key));
      extra.push_back(std::move(c));
    } else if (key == "msg") {
      r.name = unquote(value);
    } else if (key == "sid") {
      const long sid = number(value, key);
      if (sid < 1 || sid > 0xffffffffL) throw Skip("sid out of range");
      r.id = static_cast<uint32_t>(sid);
      have_sid = true;
    } else if (key == "flow") {
      if (value.find("to_client") != std::string::npos ||
          value.find("from_server") != std::string::npos)
        throw Skip("flow:to_client rules inspect responses, which rules do not match on");
    } else if (key == "threshold" || key == "detection_filter") {
      ignored.push_back(key);
    } else {
      bool meta = false;
      for (const char* m : kMetadata) meta = meta || key == m;
      if (!meta) throw Skip("keyword '" + key + "' is not supported");
    }
  }
  if (!have_sid) throw Skip("no sid");
  for (const auto& k : ignored)
    warnings.push_back(origin + ":" + std::to_string(line) + ": sid " + std::to_string(r.id) +
                       ": '" + k + "' ignored (every match is reported)");
  if (r.name.empty()) r.name = "sid " + std::to_string(r.id);
  if (contents.empty() && extra.empty())
    throw Skip("nothing to match (no content, pcre or urilen)");

  Condition all;
  all.kind = Condition::Kind::all;
  all.line = line;
  std::vector<Content> chain;
  auto flush = [&] {
    if (!chain.empty()) all.children.push_back(chain_condition(chain, line));
    chain.clear();
  };
  for (auto& c : contents) {
    if (!c.buffer.valid)
      throw Skip("content \"" + c.bytes +
                 "\" has no HTTP buffer (raw stream matching is not imported)");
    const bool joins = c.relative && !chain.empty() && !chain.back().is_pcre && !c.is_pcre &&
                       chain.back().buffer.field == c.buffer.field;
    if (c.relative && !joins)
      throw Skip("distance/within without a content before it in the same buffer");
    if (!joins) flush();
    chain.push_back(c);
  }
  flush();
  for (auto& e : extra) all.children.push_back(std::move(e));
  r.match = all.children.size() == 1 ? all.children.front() : all;
  r.description = "imported from " + origin + ":" + std::to_string(line);
  r.origin = origin + ":" + std::to_string(line);
  return r;
}

}  // namespace

std::optional<RuleSet> import_suricata_rules(const std::string& text, const std::string& origin,
                                             std::string& error) {
  RuleSet set;
  std::istringstream in(text);
  std::string line, rule;
  int lineno = 0, start = 0, candidates = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (rule.empty()) start = lineno;
    const std::string t = trim(line);
    if (rule.empty() && (t.empty() || t.front() == '#')) continue;
    if (!t.empty() && t.back() == '\\') {  // continued on the next line
      rule += t.substr(0, t.size() - 1) + " ";
      continue;
    }
    rule += t;
    ++candidates;
    try {
      set.rules.push_back(import_rule(rule, origin, start, set.warnings));
    } catch (const Skip& s) {
      set.warnings.push_back(origin + ":" + std::to_string(start) + ": rule skipped: " + s.what());
    }
    rule.clear();
  }
  if (candidates && set.rules.empty()) {
    error = origin + ": none of its " + std::to_string(candidates) +
            " rules could be imported (see the warnings)";
    for (const auto& w : set.warnings) error += "\n  " + w;
    return std::nullopt;
  }
  return set;
}

}  // namespace bulwark::rules

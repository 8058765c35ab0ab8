// lincheck: checks a recorded key-value history for linearizability with the simulator's
// checker (sim/checker/linearizability.h, helios::sim::check_kv_linearizable), so that
// histories recorded against real processes (tests/cluster/test_linearizability.py) are
// judged by exactly the same code as the simulator's.
//
//   lincheck [--max-steps N] [HISTORY | -]        (default: standard input)
//
// The history is JSON lines, one operation per line (blank lines and lines starting with '#'
// are skipped; every field but "delta" is required, and no other field is accepted):
//
//   {"client":1,"op":"set","key":"k","value":"v","call":100,"return":250}
//   {"client":2,"op":"get","key":"k","value":"v","call":120,"return":300}   (null: missing)
//   {"client":3,"op":"incr","key":"n","delta":1,"value":"7","call":130,"return":null}
//
//   client   a non-negative integer naming the client (the connection) that ran it
//   op       "get", "set" (or "put") or "incr"
//   key      a string
//   value    set: the value written; get: the value read, null if the key was missing;
//            incr: the result as a decimal string, null if it never returned
//   delta    incr only: the amount added (default 1)
//   call     when the client invoked it (any monotonic clock: integers, e.g. nanoseconds)
//   return   when the client got its answer, greater than call; null if it never did (a GET
//            that never returned is ignored; a SET or INCR may have taken effect or not)
//
// Every key starts missing. Exit status: 0 linearizable; 1 not linearizable (the checker's
// explanation is printed); 2 bad usage, unreadable or malformed input (the line is named),
// or the search ran out of its step budget (the answer is unknown).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/checker/linearizability.h"

namespace {

using helios::sim::KvOperation;
using helios::sim::KvOpKind;
using Json = nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitNotLinearizable = 1;
constexpr int kExitBadInput = 2;
constexpr std::uint64_t kDefaultMaxSteps = 50'000'000;

struct BadInput {
  std::string message;
};

bool is_decimal_int64(const std::string& s) {
  if (s.empty() || s.size() > 20) {
    return false;
  }
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) {
    return false;
  }
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  try {
    (void)std::stoll(s);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::uint64_t time_field(const Json& j, const char* name) {
  const Json& v = j.at(name);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() == helios::sim::kNeverReturned) {
    throw BadInput{std::string("field '") + name + "' must be an unsigned integer below 2^64-1"};
  }
  return v.get<std::uint64_t>();
}

std::optional<std::string> string_or_null(const Json& j, const char* name) {
  const Json& v = j.at(name);
  if (v.is_null()) {
    return std::nullopt;
  }
  if (!v.is_string()) {
    throw BadInput{std::string("field '") + name + "' must be a string or null"};
  }
  return v.get<std::string>();
}

// One history line -> one operation; throws BadInput naming what is wrong.
KvOperation parse_operation(const std::string& line) {
  const Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw BadInput{"not a JSON object"};
  }
  static const std::set<std::string> kFields = {"client", "op",   "key",   "value",
                                                "delta",  "call", "return"};
  for (const auto& [name, unused] : j.items()) {
    if (kFields.count(name) == 0) {
      throw BadInput{"unknown field '" + name + "'"};
    }
  }
  for (const char* name : {"client", "op", "key", "value", "call", "return"}) {
    if (!j.contains(name)) {
      throw BadInput{std::string("missing field '") + name + "'"};
    }
  }
  KvOperation op;
  if (!j["client"].is_number_unsigned()) {
    throw BadInput{"field 'client' must be a non-negative integer"};
  }
  op.client_id = j["client"].get<std::uint64_t>();
  if (!j["key"].is_string()) {
    throw BadInput{"field 'key' must be a string"};
  }
  op.key = j["key"].get<std::string>();
  op.call_time = time_field(j, "call");
  if (!j["return"].is_null()) {
    op.return_time = time_field(j, "return");
    if (op.return_time <= op.call_time) {
      throw BadInput{"'return' must be greater than 'call'"};
    }
  }
  const bool returned = op.return_time != helios::sim::kNeverReturned;
  const std::string kind = j["op"].is_string() ? j["op"].get<std::string>() : "";
  const std::optional<std::string> value = string_or_null(j, "value");
  if (kind == "get") {
    op.kind = KvOpKind::kGet;
    op.found = value.has_value();
    op.value = value.value_or("");
  } else if (kind == "set" || kind == "put") {
    op.kind = KvOpKind::kPut;
    if (!value.has_value()) {
      throw BadInput{"a set needs a string 'value'"};
    }
    op.value = *value;
  } else if (kind == "incr") {
    op.kind = KvOpKind::kIncr;
    op.delta = 1;
    if (j.contains("delta")) {
      if (!j["delta"].is_number_integer()) {
        throw BadInput{"field 'delta' must be an integer"};
      }
      op.delta = j["delta"].get<std::int64_t>();
    }
    if (returned && (!value.has_value() || !is_decimal_int64(*value))) {
      throw BadInput{"a returned incr needs its result as a decimal string 'value'"};
    }
    op.value = value.value_or("");
  } else {
    throw BadInput{"field 'op' must be \"get\", \"set\", \"put\" or \"incr\""};
  }
  if (kind != "incr" && j.contains("delta")) {
    throw BadInput{"field 'delta' is for incr only"};
  }
  return op;
}

int usage(const char* why) {
  std::fprintf(stderr, "lincheck: %s\nusage: lincheck [--max-steps N] [HISTORY | -]\n", why);
  return kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t max_steps = kDefaultMaxSteps;
  std::string path = "-";
  bool have_path = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--max-steps" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18 ||
          std::stoull(v) == 0) {
        return usage("--max-steps needs a positive integer");
      }
      max_steps = std::stoull(v);
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: lincheck [--max-steps N] [HISTORY | -]\n");
      return kExitOk;
    } else if (!have_path && (arg == "-" || arg.rfind("-", 0) != 0)) {
      path = arg;
      have_path = true;
    } else {
      return usage(("unexpected argument '" + arg + "'").c_str());
    }
  }
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) {
      return usage(("cannot read " + path).c_str());
    }
  }
  std::istream& in = path == "-" ? std::cin : file;

  std::vector<KvOperation> history;
  std::set<std::string> keys;
  std::size_t never_returned = 0;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    try {
      history.push_back(parse_operation(line));
    } catch (const BadInput& e) {
      std::fprintf(stderr, "lincheck: %s: line %zu: %s\n", path.c_str(), number, e.message.c_str());
      return kExitBadInput;
    } catch (const std::exception& e) {  // nlohmann: a number out of range, ...
      std::fprintf(stderr, "lincheck: %s: line %zu: %s\n", path.c_str(), number, e.what());
      return kExitBadInput;
    }
    keys.insert(history.back().key);
    never_returned += history.back().return_time == helios::sim::kNeverReturned ? 1 : 0;
  }
  if (in.bad()) {
    return usage(("error reading " + path).c_str());
  }

  const helios::sim::LinearizabilityResult r =
      helios::sim::check_kv_linearizable(history, max_steps);
  std::ostringstream summary;
  summary << history.size() << " operations (" << never_returned << " never returned) on "
          << keys.size() << " keys";
  if (r.timed_out) {
    std::printf("unknown: the search ran out of its %llu steps on %s\n",
                static_cast<unsigned long long>(max_steps), summary.str().c_str());
    return kExitBadInput;
  }
  if (!r.ok) {
    std::printf("NOT linearizable: %s\n%s\n", summary.str().c_str(), r.explanation.c_str());
    return kExitNotLinearizable;
  }
  std::printf("linearizable: %s\n", summary.str().c_str());
  return kExitOk;
}

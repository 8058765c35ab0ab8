#include "sim/json_client.h"

#include <nlohmann/json.hpp>

#include "api/json_lines.h"
#include "sim/host.h"

namespace helios::sim {
namespace {

using Json = nlohmann::json;

[[noreturn]] void broken(std::string_view line, const std::string& why) {
  throw SimFailure("a JSON-lines reply breaks the protocol (" + why + "): " + std::string(line));
}

resp::Value element_value(const Json& j, std::string_view line) {
  resp::Value v;
  using Type = resp::Value::Type;
  if (j.is_null()) {
    v.type = Type::kNull;
  } else if (j.is_string()) {
    v.type = Type::kSimple;  // a status or a base64 bulk: the handlers read only statuses
    v.str = j.get<std::string>();
  } else if (j.is_boolean()) {
    v.type = Type::kInteger;
    v.integer = j.get<bool>() ? 1 : 0;
  } else if (j.is_number_integer()) {
    v.type = Type::kInteger;
    v.integer = j.get<std::int64_t>();
  } else if (j.is_array()) {
    v.type = Type::kArray;
    for (const Json& e : j) {
      v.elements.push_back(element_value(e, line));
    }
  } else if (j.is_object() && j.size() == 1 && j.contains("error") && j["error"].is_string()) {
    v.type = Type::kError;
    v.str = j["error"].get<std::string>();
  } else if (j.is_object() || j.is_number_float()) {
    v.type = Type::kSimple;  // a map or a double: no handler of the simulator reads one
    v.str = j.dump();
  } else {
    broken(line, "an element of an unknown kind");
  }
  return v;
}

}  // namespace

std::string json_request_line(const std::vector<std::string>& argv) {
  Json j = Json::object();
  j["cmd"] = argv.at(0);
  std::size_t next = 1;
  if (argv.size() > 1) {
    j["key"] = argv[1];
    next = 2;
  }
  if (argv[0] == "SET" && argv.size() >= 3) {
    j["value"] = api::base64_encode(argv[2]);
    next = 3;
    if (argv.size() == 5 && argv[3] == "PX") {
      j["ttl_ms"] = std::stoll(argv[4]);
      next = 5;
    }
  }
  if (next < argv.size()) {
    j["args"] =
        std::vector<std::string>(argv.begin() + static_cast<std::ptrdiff_t>(next), argv.end());
  }
  return j.dump() + "\n";
}

resp::Value json_reply_value(std::string_view line) {
  Json j;
  try {
    j = Json::parse(line);
  } catch (const Json::exception& e) {
    broken(line, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || j.size() != 2 || !j.contains("ok") || !j["ok"].is_boolean()) {
    broken(line, "not an object of \"ok\" and one more field");
  }
  resp::Value v;
  using Type = resp::Value::Type;
  if (!j["ok"].get<bool>()) {
    if (!j.contains("error") || !j["error"].is_string()) {
      broken(line, "\"ok\":false without an \"error\" string");
    }
    v.type = Type::kError;
    v.str = j["error"].get<std::string>();
    return v;
  }
  if (j.contains("value")) {
    const Json& value = j["value"];
    if (value.is_null()) {
      v.type = Type::kNull;
      return v;
    }
    if (!value.is_string()) {
      broken(line, "\"value\" neither base64 nor null");
    }
    Result<std::string> bytes = api::base64_decode(value.get<std::string>());
    if (!bytes.is_ok()) {
      broken(line, "\"value\" is not base64: " + bytes.status().to_string());
    }
    v.type = Type::kBulk;
    v.str = std::move(bytes).value();
    return v;
  }
  if (!j.contains("result")) {
    broken(line, "\"ok\":true without \"result\" or \"value\"");
  }
  return element_value(j["result"], line);
}

}  // namespace helios::sim

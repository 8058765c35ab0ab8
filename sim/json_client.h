#pragma once
// The client end of the ATLAS JSON-lines protocol (docs/json-lines.md) for the simulator's
// connections (SimConnection::Protocol::kJsonLines): what a JSON client writes for a Redis
// command, and the Redis reply a JSON reply line stands for, so that the handlers that
// judge RESP replies judge these too. Written from the documented protocol, not from the
// server's translation layer (api/json_lines.h), so that a bug there shows as a reply the
// handlers do not expect or a history the checkers refuse.
//
//   json_request_line  SET k v PX 100 -> {"cmd":"SET","key":"k","value":"dg==","ttl_ms":100}
//                      GET k          -> {"cmd":"GET","key":"k"}
//                      LPUSH k a b    -> {"cmd":"LPUSH","key":"k","args":["a","b"]}
//   json_reply_value   {"ok":true,"result":"OK"}   -> +OK
//                      {"ok":true,"value":"dg=="}  -> $1 v;  "value":null -> nil
//                      {"ok":false,"error":"..."}  -> -...
//                      "result": a number -> :n, an array -> * of its elements (a string
//                      element -> +text, null -> nil, {"error":...} -> -...), true/false ->
//                      :1/:0
//
// A reply line that is not one of those throws SimFailure (the server broke the protocol).

#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_parser.h"

namespace helios::sim {

// One request line, ending in '\n'.
std::string json_request_line(const std::vector<std::string>& argv);

// The reply a JSON reply line (without its '\n') stands for.
resp::Value json_reply_value(std::string_view line);

}  // namespace helios::sim

#pragma once
// The bodies of the kForward and kForwardReply frames (wire/frame.h) that carry a client's
// write from a follower to the leader over the peer connection, and the leader's answer back.
//
//   ForwardRequest := id:u64 protocol:u8 (2|3) exec:u8 (0|1) command_count:u32 (>= 1)
//                     command{command_count}
//   command        := argc:u32 (>= 1) (length:u32 bytes){argc}
//   ForwardReply   := id:u64 outcome:u8 (ForwardOutcome) reply bytes (the rest: RESP)
//
// Integers little-endian. Decoding is bounds-checked and never sizes anything by a declared
// count beyond the bytes present; anything malformed is kInvalidArgument.
//
// forward_wait(): when a follower stops waiting for the answer to a write it forwarded.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/types.h"

namespace helios::api {

struct ForwardRequest {
  std::uint64_t id = 0;
  int protocol = 2;
  bool exec = false;  // the commands are a MULTI ... EXEC transaction
  std::vector<std::vector<std::string>> commands;
};

enum class ForwardOutcome : std::uint8_t {
  kReply = 0,      // `reply` is the RESP answer for the client
  kNotLeader = 1,  // the receiver is not the leader: nothing was proposed; try again
};

struct ForwardReply {
  std::uint64_t id = 0;
  ForwardOutcome outcome = ForwardOutcome::kReply;
  std::string reply;
};

std::string encode_forward_request(const ForwardRequest& r);
Result<ForwardRequest> decode_forward_request(std::string_view body);
std::string encode_forward_reply(const ForwardReply& r);
Result<ForwardReply> decode_forward_reply(std::string_view body);
// The id of an encoded ForwardRequest (its first 8 bytes); kInvalidArgument if shorter.
Result<std::uint64_t> forward_request_id(std::string_view body);

// What a follower knows about the leader it forwards to: when it sent a write (`sent`), and
// now (`now`, the link fields about sent.leader's link).
struct ForwardView {
  NodeId leader = kNoNode;        // the leader it believes in
  Term term = 0;                  // its current term
  bool link_up = false;           // its outbound connection to sent.leader is established
  std::uint64_t link_losses = 0;  // how often that connection was lost (or replaced) so far
};

enum class ForwardWait {
  kWait,  // the leader it was sent to may still answer
  // The connection the write left on is gone (lost since, or down while another node
  // leads): no answer may ever come. Stop waiting now.
  kGiveUpNow,
  // Another leader or a newer term, and the old leader is still connected: a live old leader
  // answers soon by itself (it steps down and answers its uncommitted proposals UNCERTAIN,
  // or relays the next leader's answer). Wait a grace period for it, then give up.
  kGrace,
};

ForwardWait forward_wait(const ForwardView& sent, const ForwardView& now);

}  // namespace helios::api

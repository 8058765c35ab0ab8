#pragma once
// The seed inputs of the wire fuzz target: small valid frames and bodies. They are stored as
// fuzz/corpus/wire/seed-*.bin; tests/unit/wire/fuzz_corpus_test.cc checks that the stored
// files still match these (and rewrites them when HELIOS_REWRITE_WIRE_CORPUS=1 is set), and
// mutates them for CI.

#include <string>
#include <utility>
#include <vector>

#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::wire {

struct WireSeed {
  std::string name;   // file name in fuzz/corpus/wire/
  std::string bytes;  // what wire_fuzz_one is given
};

inline raft::Message wire_seed_message(raft::MessageType type, std::uint64_t n) {
  raft::Message m;
  m.type = type;
  m.from = 1;
  m.to = 2;
  m.term = n + 1;
  m.log_term = n;
  m.index = n + 10;
  m.commit = n + 9;
  m.reject = n % 2 == 1;
  m.reject_hint = m.reject ? n : 0;
  m.context = n * 7;
  return m;
}

inline std::vector<WireSeed> wire_seeds() {
  raft::Message append = wire_seed_message(raft::MessageType::kAppend, 4);
  append.entries.push_back(raft::Entry{5, 15, raft::EntryType::kNormal, std::string("k\0v", 3)});
  append.entries.push_back(raft::Entry{5, 16, raft::EntryType::kNoop, ""});
  append.entries.push_back(raft::Entry{5, 17, raft::EntryType::kConfChange, "\xff"});
  const std::string append_body = encode_message(append);
  // Data large enough for the transport to splice it (base::GatherBuffer::kSpliceMinBytes).
  raft::Message large = wire_seed_message(raft::MessageType::kAppend, 5);
  large.entries.push_back(raft::Entry{6, 20, raft::EntryType::kNormal, std::string(600, 'L')});
  large.entries.push_back(raft::Entry{6, 21, raft::EntryType::kNormal, "small"});
  const std::string hello_body = encode_hello(HelloBody{"helios-test.1", 3});
  const std::string vote = encode_frame(
      FrameType::kRaft, encode_message(wire_seed_message(raft::MessageType::kVote, 2)));

  std::vector<WireSeed> seeds;
  seeds.push_back({"seed-append.bin", encode_frame(FrameType::kRaft, append_body)});
  seeds.push_back({"seed-heartbeat-resp.bin",
                   encode_frame(FrameType::kRaft, encode_message(wire_seed_message(
                                                      raft::MessageType::kHeartbeatResp, 3)))});
  seeds.push_back({"seed-hello.bin", encode_frame(FrameType::kHello, hello_body)});
  seeds.push_back(
      {"seed-hello-ack.bin", encode_frame(FrameType::kHelloAck, encode_hello(HelloBody{"c", 1}))});
  seeds.push_back({"seed-forward-empty.bin", encode_frame(FrameType::kForward, "")});
  seeds.push_back({"seed-hello-then-vote.bin", encode_frame(FrameType::kHello, hello_body) + vote});
  seeds.push_back({"seed-body-append.bin", append_body});
  seeds.push_back({"seed-append-large.bin", encode_frame(FrameType::kRaft, encode_message(large))});
  seeds.push_back({"seed-body-hello.bin", hello_body});
  return seeds;
}

}  // namespace helios::wire

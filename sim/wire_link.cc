#include "sim/wire_link.h"

#include <utility>

#include "base/assert.h"
#include "wire/frame.h"
#include "wire/raft_codec.h"

namespace helios::sim {

std::shared_ptr<const std::string> wire_frame(const raft::Message& m) {
  return std::make_shared<const std::string>(wire::encode_message_frame(m).joined());
}

raft::Message received_message(const std::string& bytes, const raft::Message& sent) {
  wire::FrameDecoder decoder;
  decoder.feed(bytes);
  Result<wire::FrameView> frame = decoder.next_view();
  Result<raft::Message> m =
      !frame.is_ok() ? Result<raft::Message>(frame.status())
      : frame.value().type != wire::FrameType::kRaft
          ? Result<raft::Message>(Status(Code::kInvalidArgument, "not a kRaft frame"))
          : wire::decode_message(frame.value().body);
  if (!m.is_ok() || m.value() != sent || decoder.buffered() != 0) {
    const std::string why = "a message changed on the wire: sent " + raft::describe(sent) +
                            ", received " +
                            (m.is_ok() ? raft::describe(m.value()) : m.status().to_string());
    HELIOS_ASSERT_MSG(false, why.c_str());
  }
  return std::move(m).value();
}

}  // namespace helios::sim

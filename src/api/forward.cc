#include "api/forward.h"

#include "base/bytes.h"

namespace helios::api {

namespace {

Status malformed(const std::string& why) {
  return Status(Code::kInvalidArgument, "forwarded command: " + why);
}

}  // namespace

std::string encode_forward_request(const ForwardRequest& r) {
  std::string out;
  base::put_u64(out, r.id);
  base::put_u8(out, static_cast<std::uint8_t>(r.protocol));
  base::put_u8(out, r.exec ? 1 : 0);
  base::put_u32(out, static_cast<std::uint32_t>(r.commands.size()));
  for (const std::vector<std::string>& argv : r.commands) {
    base::put_u32(out, static_cast<std::uint32_t>(argv.size()));
    for (const std::string& arg : argv) {
      base::put_u32(out, static_cast<std::uint32_t>(arg.size()));
      out.append(arg);
    }
  }
  return out;
}

Result<ForwardRequest> decode_forward_request(std::string_view body) {
  base::Reader in(body);
  ForwardRequest r;
  r.id = in.u64();
  const std::uint8_t protocol = in.u8();
  const std::uint8_t exec = in.u8();
  const std::uint32_t count = in.u32();
  if (!in.ok() || (protocol != 2 && protocol != 3) || exec > 1 || count == 0) {
    return malformed("bad header");
  }
  r.protocol = protocol;
  r.exec = exec == 1;
  for (std::uint32_t c = 0; c < count; ++c) {
    const std::uint32_t argc = in.u32();
    // Each argument takes at least its 4-byte length: a count beyond that is a lie.
    if (!in.ok() || argc == 0 || argc > in.remaining() / 4) {
      return malformed("bad argument count");
    }
    std::vector<std::string> argv;
    argv.reserve(argc);
    for (std::uint32_t a = 0; a < argc; ++a) {
      const std::uint32_t len = in.u32();
      const std::string_view arg = in.bytes(len);
      if (!in.ok()) {
        return malformed("truncated argument");
      }
      argv.emplace_back(arg);
    }
    r.commands.push_back(std::move(argv));
    if (c + 1 < count && in.remaining() < 4) {
      return malformed("truncated command list");
    }
  }
  if (in.remaining() != 0) {
    return malformed("bytes after the last command");
  }
  return r;
}

std::string encode_forward_reply(const ForwardReply& r) {
  std::string out;
  base::put_u64(out, r.id);
  base::put_u8(out, static_cast<std::uint8_t>(r.outcome));
  out.append(r.reply);
  return out;
}

Result<ForwardReply> decode_forward_reply(std::string_view body) {
  base::Reader in(body);
  ForwardReply r;
  r.id = in.u64();
  const std::uint8_t outcome = in.u8();
  if (!in.ok() || outcome > 1) {
    return malformed("bad reply header");
  }
  r.outcome = static_cast<ForwardOutcome>(outcome);
  r.reply = std::string(in.rest());
  return r;
}

Result<std::uint64_t> forward_request_id(std::string_view body) {
  base::Reader in(body);
  const std::uint64_t id = in.u64();
  if (!in.ok()) {
    return malformed("no id");
  }
  return id;
}

ForwardWait forward_wait(const ForwardView& sent, const ForwardView& now) {
  if (now.link_losses != sent.link_losses) {
    return ForwardWait::kGiveUpNow;
  }
  if (now.leader == sent.leader && now.term == sent.term) {
    return ForwardWait::kWait;  // a link that is down keeps its queue and reconnects
  }
  return now.link_up ? ForwardWait::kGrace : ForwardWait::kGiveUpNow;
}

}  // namespace helios::api

// Session: the reads it serves after a read barrier (at once with READONLY), in request
// order: a data command's plan (plan.h; a write goes to the Executor), KEYS, SCAN, and
// DEBUG DIGEST / DIGEST-VALUE. See session.h.

#include <charconv>

#include "api/args.h"
#include "api/server.h"
#include "api/session.h"
#include "atlas/integer.h"

namespace helios::api {

void Session::on_data(const CommandSpec& spec, Argv& argv) {
  const std::uint64_t now = static_cast<std::uint64_t>(wall_ms());
  // Lending: a write's values are not copied only to be checked; they go back into argv,
  // which the executor plans again at its stamp.
  Result<Plan> plan = make_plan_lending(spec, argv, now);
  if (!plan.is_ok()) {
    push_error(plan.status().message());
    return;
  }
  repay(plan.value().ops.begin(), plan.value().ops.end(), plan.value().loans, argv);
  if (plan.value().write) {
    if (readonly_ && server_.is_follower()) {
      // Like a Redis replica: READONLY connections to a replica cannot write.
      push_error("READONLY You can't write against a read only replica.");
      return;
    }
    std::vector<Argv> commands;
    commands.push_back(std::move(argv));
    push_write(std::move(commands), false);
    return;
  }
  push_read([this, p = std::move(plan).value()](resp::Writer& w, std::uint64_t at) {
    std::vector<atlas::Reply> replies;
    replies.reserve(p.ops.size());
    for (const atlas::Op& op : p.ops) {
      replies.push_back(server_.store().read(op, at));
    }
    render(p.shape, replies.data(), replies.size(), w);
  });
}

void Session::on_keys(Argv& argv) {
  push_read([this, pattern = argv[1]](resp::Writer& w, std::uint64_t at) {
    const std::vector<std::string> keys = server_.store().keys(pattern, at, SIZE_MAX);
    w.array(keys.size());
    for (const std::string& k : keys) {
      w.bulk(k);
    }
  });
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Session::on_scan(Argv& argv) {
  std::uint64_t cursor = 0;
  const auto [p, ec] = std::from_chars(argv[1].data(), argv[1].data() + argv[1].size(), cursor);
  if (ec != std::errc() || p != argv[1].data() + argv[1].size()) {
    push_error("ERR invalid cursor");
    return;
  }
  std::string pattern = "*";
  std::int64_t count = 10;
  std::string type;
  for (std::size_t i = 2; i < argv.size(); i += 2) {
    const std::string opt = upper(argv[i]);
    if (i + 1 >= argv.size()) {
      push_error(kErrSyntax);
      return;
    }
    if (opt == "MATCH") {
      pattern = argv[i + 1];
    } else if (opt == "COUNT") {
      const std::optional<std::int64_t> c = atlas::parse_int64(argv[i + 1]);
      if (!c.has_value()) {
        push_error(kErrNotInteger);
        return;
      }
      if (*c < 1) {
        push_error(kErrSyntax);
        return;
      }
      count = *c;
    } else if (opt == "TYPE") {
      type = lower(argv[i + 1]);
    } else {
      push_error(kErrSyntax);
      return;
    }
  }
  push_read([this, cursor, pattern, count, type](resp::Writer& w, std::uint64_t at) {
    atlas::ScanPage page =
        server_.store().scan(cursor, pattern, static_cast<std::size_t>(count), at);
    if (!type.empty()) {  // TYPE filters after the page is taken, as in Redis
      std::erase_if(page.keys, [&](const std::string& k) {
        const std::optional<atlas::ObjectType> t = server_.store().type_of(k, at);
        return !t.has_value() || atlas::type_name(*t) != type;
      });
    }
    w.array(2);
    w.bulk(std::to_string(page.next_cursor));
    w.array(page.keys.size());
    for (const std::string& k : page.keys) {
      w.bulk(k);
    }
  });
}

// DEBUG DIGEST and DEBUG DIGEST-VALUE key...: reads of the store (atlas/digest.h), served
// like GET, after a read barrier (at once with READONLY), evaluated in request order. As in
// Redis, the digests are status replies of 40 lowercase hex digits (DIGEST-VALUE: an array
// of them, 40 zeros for a key without an item); both count items expired but not yet
// removed, since they describe the applied state. Other subcommands, and DIGEST with
// arguments, get Redis's error for DEBUG.
void Session::on_debug(Argv& argv) {
  const std::string sub = upper(argv[1]);
  if (sub == "DIGEST" && argv.size() == 2) {
    push_read([this](resp::Writer& w, std::uint64_t) { w.simple(server_.store().digest_hex()); });
  } else if (sub == "DIGEST-VALUE") {
    push_read([this, keys = Argv(argv.begin() + 2, argv.end())](resp::Writer& w, std::uint64_t) {
      w.array(keys.size());
      for (const std::string& key : keys) {
        w.simple(server_.store().item_digest_hex(key));
      }
    });
  } else if (sub == "HELP" && argv.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content (every item's key,",
        "    value and deadline, items expired but not yet removed included).",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of each given key's item (40 zeros if there is none).",
        "HELP",
        "    Print this help.",
    };
    std::string out;
    resp::Writer w(out, protocol_);
    w.array(std::size(kHelp));
    for (const std::string_view line : kHelp) {
      w.simple(line);
    }
    push_done(std::move(out));
  } else {
    push_error("ERR unknown subcommand or wrong number of arguments for '" +
               argv[1].substr(0, 128) + "'. Try DEBUG HELP.");
  }
}

}  // namespace helios::api

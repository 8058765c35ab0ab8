#include "api/plan.h"

#include "api/args.h"
#include "api/command_table.h"
#include "base/assert.h"

namespace helios::api {

Plan read_plan(atlas::ReadKind what, const std::string& key, Shape shape) {
  Plan p;
  p.ops.emplace_back(atlas::ReadOp{what, key, 0, 0});
  p.shape = shape;
  return p;
}

Plan write_plan(atlas::Op op, Shape shape) {
  Plan p;
  p.ops.push_back(std::move(op));
  p.shape = shape;
  p.write = true;
  return p;
}

Result<Plan> make_plan(const CommandSpec& spec, const Argv& argv, std::uint64_t now_ms) {
  HELIOS_ASSERT(spec.plan != nullptr);
  // Values and keys beyond ATLAS's limits get Redis's answer before anything is planned.
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].size() > atlas::kMaxValueBytes) {
      return invalid(kErrTooLarge);
    }
  }
  return spec.plan(argv, now_ms);
}

void render_reply(const atlas::Reply& reply, resp::Writer& w) {
  switch (reply.kind) {
    case atlas::Reply::Kind::kOk:
      w.simple("OK");
      return;
    case atlas::Reply::Kind::kNil:
      w.null();
      return;
    case atlas::Reply::Kind::kInteger:
      w.integer(reply.integer);
      return;
    case atlas::Reply::Kind::kBulk:
      w.bulk(reply.text);
      return;
    case atlas::Reply::Kind::kError:
      w.error(reply.text);
      return;
    case atlas::Reply::Kind::kStatus:
      w.simple(reply.text);
      return;
    case atlas::Reply::Kind::kDouble:
      w.dbl(reply.as_double());
      return;
    case atlas::Reply::Kind::kNilArray:
      w.null_array();
      return;
    case atlas::Reply::Kind::kArray:
      w.array(reply.elements.size());
      break;
    case atlas::Reply::Kind::kMap:
      w.map(reply.elements.size() / 2);
      break;
    case atlas::Reply::Kind::kSet:
      w.set(reply.elements.size());
      break;
    case atlas::Reply::Kind::kPairs:
      if (w.protocol() == 3) {
        w.array(reply.elements.size() / 2);
        for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
          w.array(2);
          render_reply(reply.elements[i], w);
          render_reply(reply.elements[i + 1], w);
        }
        return;
      }
      w.array(reply.elements.size());
      break;
  }
  for (const atlas::Reply& e : reply.elements) {
    render_reply(e, w);
  }
}

namespace {

void render_keyed_one(const atlas::Reply& reply, resp::Writer& w) {
  if (reply.kind != atlas::Reply::Kind::kArray || reply.elements.size() != 2 ||
      reply.elements[1].elements.size() != 1) {
    render_reply(reply, w);  // the null array, an error
    return;
  }
  const atlas::Reply& one = reply.elements[1].elements[0];  // an element, or [member, score]
  const bool pair = one.kind == atlas::Reply::Kind::kArray;
  w.array(pair ? 1 + one.elements.size() : 2);
  render_reply(reply.elements[0], w);
  if (!pair) {
    render_reply(one, w);
    return;
  }
  for (const atlas::Reply& e : one.elements) {
    render_reply(e, w);
  }
}

}  // namespace

void render(Shape shape, const atlas::Reply* replies, std::size_t count, resp::Writer& w) {
  HELIOS_ASSERT(count >= 1);
  const atlas::Reply& first = replies[0];
  switch (shape) {
    case Shape::kAsIs:
    case Shape::kFirst:
      render_reply(first, w);
      return;
    case Shape::kOkToInt:
      if (first.kind == atlas::Reply::Kind::kError) {
        render_reply(first, w);
      } else {
        w.integer(first.kind == atlas::Reply::Kind::kOk ? 1 : 0);
      }
      return;
    case Shape::kAllOk:
      w.simple("OK");
      return;
    case Shape::kSum: {
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < count; ++i) {
        sum += replies[i].integer;
      }
      w.integer(sum);
      return;
    }
    case Shape::kSeconds:
      w.integer(first.integer < 0 ? first.integer : (first.integer + 500) / 1000);
      return;
    case Shape::kArray:
      w.array(count);
      for (std::size_t i = 0; i < count; ++i) {
        render_reply(replies[i], w);
      }
      return;
    case Shape::kKeyedOne:
      render_keyed_one(first, w);
      return;
  }
}

}  // namespace helios::api

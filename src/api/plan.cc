#include "api/plan.h"

#include <algorithm>

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

std::string PlanArgs::take(std::size_t i) {
  if (lent_ == nullptr || (*argv_)[i].size() < kLendMinBytes) {
    return (*argv_)[i];  // a copy
  }
  std::string& arg = (*lent_)[i];
  const char* bytes = arg.data();
  std::string out = std::move(arg);
  HELIOS_ASSERT(out.data() == bytes);  // a long string's bytes move with it
  arg.clear();
  loans_->push_back(Loan{i, bytes});
  return out;
}

void PlanArgs::give_back(std::vector<std::string>& taken, std::size_t first) {
  if (lent_ == nullptr) {
    return;
  }
  // take_from(first) was the last take: its loans are the last ones, in order.
  while (!loans_->empty() && loans_->back().arg >= first) {
    const Loan loan = loans_->back();
    loans_->pop_back();
    std::string& s = taken.at(loan.arg - first);
    HELIOS_ASSERT(s.data() == loan.bytes);
    (*lent_)[loan.arg] = std::move(s);
  }
}

std::vector<std::string> PlanArgs::take_from(std::size_t first) {
  std::vector<std::string> out;
  out.reserve(size() - std::min(first, size()));
  for (std::size_t i = first; i < size(); ++i) {
    out.push_back(take(i));
  }
  return out;
}

namespace {

// Values and keys beyond ATLAS's limits get Redis's answer before anything is planned.
Result<Plan> checked_plan(const CommandSpec& spec, PlanArgs& args, std::uint64_t now_ms) {
  HELIOS_ASSERT(spec.plan != nullptr);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].size() > atlas::kMaxValueBytes) {
      return invalid(kErrTooLarge);
    }
  }
  return spec.plan(args, now_ms);
}

// Calls `visit` on every string of `op` that take() may have filled: the values of SET,
// APPEND, SETRANGE and MSETNX, and an object command's arguments.
template <typename Visit>
void for_each_taken(atlas::Op& op, Visit&& visit) {
  if (auto* set = std::get_if<atlas::SetOp>(&op)) {
    visit(set->value);
  } else if (auto* append = std::get_if<atlas::AppendOp>(&op)) {
    visit(append->value);
  } else if (auto* range = std::get_if<atlas::SetRangeOp>(&op)) {
    visit(range->value);
  } else if (auto* msetnx = std::get_if<atlas::MSetNxOp>(&op)) {
    for (std::string& v : msetnx->values) {
      visit(v);
    }
  } else if (auto* obj = std::get_if<atlas::ObjOp>(&op)) {
    for (std::string& a : obj->args) {
      visit(a);
    }
  }
}

}  // namespace

Result<Plan> make_plan(const CommandSpec& spec, const Argv& argv, std::uint64_t now_ms) {
  PlanArgs args(argv);
  return checked_plan(spec, args, now_ms);
}

Result<Plan> make_plan_lending(const CommandSpec& spec, Argv& argv, std::uint64_t now_ms) {
  std::vector<Loan> loans;
  PlanArgs args(argv, loans);
  Result<Plan> plan = checked_plan(spec, args, now_ms);
  // A planner takes arguments only once it cannot refuse the command, or gives them back
  // before it does (PlanArgs::give_back): a refused command's ops are gone.
  HELIOS_ASSERT(plan.is_ok() || loans.empty());
  if (plan.is_ok()) {
    plan.value().loans = std::move(loans);
  }
  return plan;
}

void repay(std::vector<atlas::Op>::iterator first, std::vector<atlas::Op>::iterator last,
           const std::vector<Loan>& loans, Argv& argv) {
  if (loans.empty()) {
    return;
  }
  // Found by address: O((strings + loans) log loans), for an HSET of 100,000 fields too.
  std::vector<Loan> by_bytes = loans;
  const auto before = [](const Loan& a, const Loan& b) { return a.bytes < b.bytes; };
  std::sort(by_bytes.begin(), by_bytes.end(), before);
  std::size_t repaid = 0;
  for (auto op = first; op != last && repaid < loans.size(); ++op) {
    for_each_taken(*op, [&](std::string& s) {
      if (s.size() < kLendMinBytes) {
        return;
      }
      const auto loan =
          std::lower_bound(by_bytes.begin(), by_bytes.end(), Loan{0, s.data()}, before);
      if (loan == by_bytes.end() || loan->bytes != s.data()) {
        return;
      }
      HELIOS_ASSERT(loan->arg < argv.size() && argv[loan->arg].empty());
      argv[loan->arg] = std::move(s);
      ++repaid;
    });
  }
  HELIOS_ASSERT(repaid == loans.size());
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

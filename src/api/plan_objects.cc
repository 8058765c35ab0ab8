// The object commands (hashes, lists, sets, sorted sets: atlas/objects.h) on the client port:
// one command table row per atlas row, made from it, and one planner for all of them. The
// plan is a single atlas::ObjOp carrying the client's arguments; the atlas row parses them
// where it runs (at the leader's apply for a write, at the serving node for a read). The
// row's `check`, when it has one, answers argument errors here, before anything is proposed.

#include "api/args.h"
#include "api/command_table.h"
#include "atlas/objects.h"
#include "base/assert.h"
#include "base/prng.h"

namespace helios::api {

namespace {

// Plans drawn on this thread so far (reset_plan_seeds): a node plans on its loop thread.
thread_local std::uint64_t t_plans_drawn = 0;

// A seed for the rows that draw at random (SPOP, SRANDMEMBER...): different for every op
// this thread plans, stamped into the op so that every replica draws the same.
std::uint64_t next_seed(std::uint64_t now_ms) {
  return base::Prng(now_ms ^ (t_plans_drawn++ << 20)).next();
}

Result<Plan> plan_object(PlanArgs& argv, std::uint64_t now_ms) {
  const atlas::ObjectCommand* row = atlas::find_object_command(upper(argv[0]));
  HELIOS_ASSERT(row != nullptr);  // the table has a row only for these
  atlas::ObjOp op;
  op.code = row->code;
  // A write's arguments go into the log entry: taken, not copied (a read's stay in argv).
  if (row->read != nullptr) {
    op.args.assign(argv.begin() + 1, argv.end());
  } else {
    op.args = argv.take_from(1);
  }
  if (row->check != nullptr) {
    if (std::string error = row->check(op.args); !error.empty()) {
      argv.give_back(op.args, 1);
      return invalid(error);
    }
  }
  if (row->random) {
    op.seed = next_seed(now_ms);
  }
  if (row->read != nullptr) {
    Plan p;
    p.ops.emplace_back(std::move(op));
    return p;
  }
  return write_plan(std::move(op));
}

}  // namespace

void reset_plan_seeds() {
  t_plans_drawn = 0;
}

std::vector<CommandSpec> object_command_rows() {
  std::vector<CommandSpec> rows;
  for (const atlas::ObjectCommand* row : atlas::all_object_commands()) {
    if (!row->client) {
      continue;
    }
    CommandSpec spec;
    spec.name = row->name;
    spec.arity = row->arity;
    spec.kind = Kind::kData;
    spec.flags = row->flags;
    spec.first_key = row->first_key;
    spec.last_key = row->last_key;
    spec.step = row->step;
    spec.plan = plan_object;
    spec.object = row;
    rows.push_back(spec);
  }
  return rows;
}

}  // namespace helios::api

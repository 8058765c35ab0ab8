#include "node/tick_duties.h"

namespace helios::node {

void TickDuties::tick() {
  node_.tick();
  if (node_.failed() || ++ticks_ % every_ != 0) {
    return;
  }
  if (leads()) {
    chores_.expire_keys(machine_.store(), host_.wall_ms());
    start_versions();
  }
  members_.tend(host_.removed());
}

void TickDuties::on_leading() {
  if (leads() && !node_.failed()) {
    start_versions();
  }
}

void TickDuties::start_versions() {
  chores_.start_key_versions(machine_.store(), host_.versions_allowed());
}

}  // namespace helios::node

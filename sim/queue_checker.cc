#include "sim/queue_checker.h"

#include <map>

#include "sim/host.h"

namespace helios::sim {

namespace {
[[noreturn]] void fail(const std::string& what) {
  throw SimFailure("queue: " + what);
}
std::string at_node(NodeId at) {
  return "n" + std::to_string(at);
}
}  // namespace

std::string QueueChecker::element(int client, std::uint64_t op) {
  return "q:" + std::to_string(client) + ":" + std::to_string(op);
}

std::string QueueChecker::destination(int client, std::uint64_t op) {
  return "~d:" + std::to_string(client) + ":" + std::to_string(op);
}

std::size_t QueueChecker::pop_sent(NodeId at, std::string destination) {
  pops_.push_back(Pop{.at = at, .destination = std::move(destination)});
  return pops_.size() - 1;
}

void QueueChecker::pop_delivered(std::size_t pop, const std::string& element) {
  Pop& p = pops_.at(pop);
  p.answered = true;
  p.element = element;
  if (!sent_.contains(element)) {
    fail("a pop at " + at_node(p.at) + " delivered " + element + ", which no client pushed");
  }
  if (!delivered_.insert(element).second) {
    fail("a pop at " + at_node(p.at) + " delivered " + element +
         ", which an earlier pop had already delivered");
  }
}

void QueueChecker::pop_empty(std::size_t pop) {
  pops_.at(pop).answered = true;
}

void QueueChecker::pop_verified(std::size_t pop, const std::vector<std::string>& moved) {
  Pop& p = pops_.at(pop);
  check_moved(p, moved);
  p.verified = true;
}

void QueueChecker::check_moved(const Pop& p, const std::vector<std::string>& moved) {
  if (!p.answered) {
    return;
  }
  const std::vector<std::string> expected =
      p.element.has_value() ? std::vector<std::string>{*p.element} : std::vector<std::string>{};
  if (moved != expected) {
    fail("a BLMOVE at " + at_node(p.at) + " answered " +
         (p.element.has_value() ? *p.element : std::string("nil")) + " but its destination " +
         p.destination + " holds " + std::to_string(moved.size()) + " elements" +
         (moved.empty() ? std::string() : " (first " + moved.front() + ")"));
  }
}

void QueueChecker::finish(
    const std::function<std::vector<std::string>(const std::string&)>& list) const {
  std::map<std::string, std::string> held;  // element -> the list holding it
  auto hold = [&held](const std::string& element, const std::string& key) {
    auto [it, fresh] = held.emplace(element, key);
    if (!fresh) {
      fail(element + " is held twice, in " + it->second + " and " + key);
    }
  };
  for (const std::string& e : list(kKey)) {
    hold(e, kKey);
  }
  std::uint64_t unknown = 0;  // BLPOP / BRPOP without a definite answer
  for (const Pop& p : pops_) {
    if (p.destination.empty()) {
      unknown += p.answered ? 0 : 1;
      continue;
    }
    if (p.verified) {
      continue;
    }
    const std::vector<std::string> moved = list(p.destination);
    for (const std::string& e : moved) {
      hold(e, p.destination);
    }
    if (!p.answered) {
      continue;
    }
    check_moved(p, moved);
  }
  std::vector<std::string> missing;
  for (const std::string& e : acknowledged_) {
    if (!delivered_.contains(e) && !held.contains(e)) {
      missing.push_back(e);
    }
  }
  if (missing.size() > unknown) {
    fail(std::to_string(missing.size()) +
         " acknowledged elements were neither delivered nor held (first " + missing.front() +
         "), but only " + std::to_string(unknown) +
         " BLPOP / BRPOP ended without a definite answer");
  }
}

}  // namespace helios::sim

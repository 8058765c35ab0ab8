#pragma once
// QueueChecker: the simulated clients' work queue, checked for exactly-once delivery.
//
// Clients push unique elements onto one list (RPUSH) and take them off with blocking pops
// (api/blocking.h) on connections of their own: BLMOVE to a list of the pop's own (its
// destination, which nothing else touches), or BLPOP / BRPOP. A push applies once and a pop
// applies once, on every replica alike, and an element a pop took is delivered to its
// client, never dropped (docs/consistency.md "Blocking commands"). So:
//   - no element is delivered twice (to one client or to two), and only pushed elements are
//     delivered: a pop served from a replica's own state, or a push or pop applied twice,
//     breaks this;
//   - a BLMOVE that answered an element moved exactly that element to its destination, one
//     that answered nil moved nothing: the client reads the destination (LRANGE, a
//     linearizable read behind the BLMOVE on its connection) and then deletes it, so the
//     store stays small; a destination not read so (the read failed, or the BLMOVE had no
//     definite answer) is checked at the end, in the state of the node that applied the
//     most, where no element may be held twice (in the queue or the destinations);
//   - every element whose push was acknowledged was delivered by a BLPOP / BRPOP, or is in
//     the queue or a destination, or may have been taken by a BLPOP / BRPOP whose outcome
//     the client never learned (-UNCERTAIN, no reply before a crash or a reconnect): at
//     most one element each.
// Failures are thrown as SimFailure.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/types.h"

namespace helios::sim {

class QueueChecker {
 public:
  // The queue's key; the element of client `client`'s operation `op`; the destination of
  // that operation's BLMOVE.
  static constexpr const char* kKey = "~q";
  static std::string element(int client, std::uint64_t op);
  static std::string destination(int client, std::uint64_t op);

  void push_sent(const std::string& element) { sent_.insert(element); }
  void push_acknowledged(const std::string& element) { acknowledged_.insert(element); }
  // A pop sent to node `at` (`destination` empty: a BLPOP / BRPOP); its handle.
  std::size_t pop_sent(NodeId at, std::string destination);
  // The pop's reply said what it took; fails on a duplicate or an element never pushed.
  void pop_delivered(std::size_t pop, const std::string& element);
  // The pop's reply said it took nothing (its timeout passed).
  void pop_empty(std::size_t pop);
  // What a BLMOVE's destination held when its client read it after the answer; the client
  // deletes it next (so the end skips it).
  void pop_verified(std::size_t pop, const std::vector<std::string>& moved);
  // The end of the run: `list` reads a list in the state of the node that applied the most.
  void finish(const std::function<std::vector<std::string>(const std::string&)>& list) const;

  std::uint64_t delivered() const { return delivered_.size(); }

 private:
  struct Pop {
    NodeId at = kNoNode;
    std::string destination;
    bool answered = false;
    bool verified = false;               // its destination read and deleted (pop_verified)
    std::optional<std::string> element;  // when answered: what it took
  };
  std::set<std::string> sent_;
  std::set<std::string> acknowledged_;
  std::set<std::string> delivered_;
  std::vector<Pop> pops_;

  // A definite BLMOVE's destination must hold what it answered.
  static void check_moved(const Pop& p, const std::vector<std::string>& moved);
};

}  // namespace helios::sim

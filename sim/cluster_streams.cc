// SimCluster: the links' ordered streams, which carry the client layer's forwards and the
// leader's snapshot chunks as whole frames (see host.h, SimHost::send_frame).
#include "base/assert.h"
#include "sim/cluster.h"
#include "sim/wire_link.h"

namespace helios::sim {

namespace {
// Frames a node's transport holds for one peer while the link is down.
constexpr std::size_t kMaxQueuedFrames = 1000;
}  // namespace

bool SimCluster::link_up(int from, int to) const {
  return nodes_[from]->up() && nodes_[to]->up() && blocked_[from][to] == 0 &&
         blocked_[to][from] == 0;
}

bool SimCluster::send_frame(int node, NodeId to_id, std::string frame) {
  const int to = static_cast<int>(to_id) - 1;
  HELIOS_ASSERT(to >= 0 && to < slots_ && to != node);
  const StreamFrame sent = received_stream_frame(frame);  // what the transport would write
  if (sent.type == wire::FrameType::kSnapshotChunk) {
    frame = tear_chunk(node, to, std::move(frame));
  }
  std::deque<QueuedFrame>& queue = stream_queue_[node][to];
  if (!link_up(node, to) || !queue.empty()) {
    // The transport holds it until the link is up again (in order behind what waits).
    if (queue.size() >= kMaxQueuedFrames) {
      return false;
    }
    stream_bytes_[node][to] += frame.size();
    queue.push_back(QueuedFrame{sent.type == wire::FrameType::kForward, std::move(frame)});
    return true;
  }
  stream_bytes_[node][to] += frame.size();
  deliver_frame_later(node, to, std::move(frame));
  return true;
}

void SimCluster::deliver_frame_later(int from, int to, std::string frame) {
  // One ordered stream per link (TCP): never lost or duplicated while the connection lasts,
  // delayed like any message, and in order. What is on it when the connection breaks is lost
  // (as what production's PeerLink is writing, and what the kernels hold, is); what is sent
  // after waits in the queue for the next connection.
  Micros at = now_ + prng_.range(options_.delay_min_us, options_.delay_max_us);
  if (prng_.chance(options_.spike_rate)) {
    at += prng_.range(0, options_.spike_us);
  }
  at = std::max({at, clogged_until_[from], clogged_until_[to], stream_last_[from][to]});
  stream_last_[from][to] = at;
  queue_.schedule(at, Event{.kind = EventKind::kStream,
                            .node = to,
                            .incarnation = nodes_[to]->incarnation(),
                            .peer_incarnation = nodes_[from]->incarnation(),
                            .peer = static_cast<NodeId>(from + 1),
                            .data = std::make_shared<const std::string>(std::move(frame)),
                            .connection = link_losses_[from][to]});
}

void SimCluster::deliver_stream(const Event& e) {
  const int from = static_cast<int>(e.peer) - 1;
  HELIOS_ASSERT(stream_bytes_[from][e.node] >= e.data->size());
  stream_bytes_[from][e.node] -= e.data->size();  // off the sender's books, delivered or lost
  SimNode& n = *nodes_[e.node];
  // A connection lives as long as both processes: a crash of either loses what was on it.
  if (!n.up() || n.incarnation() != e.incarnation || !nodes_[from]->up() ||
      nodes_[from]->incarnation() != e.peer_incarnation) {
    return;
  }
  StreamFrame frame = received_stream_frame(*e.data);
  if (link_losses_[from][e.node] != e.connection) {
    lose_stream_frame(from, e.node, frame.type, *e.data);
    return;
  }
  if (frame.type == wire::FrameType::kSnapshotChunk) {
    heard_at_[e.node][from] = now_;
    if (options_.trace) {
      const wire::SnapshotChunk c = sent_snapshot_chunk(*e.data);
      trace_line("n" + std::to_string(e.node + 1) + " gets bytes " + std::to_string(c.offset) +
                 "-" + std::to_string(c.offset + c.data.size()) + " of " + std::to_string(c.total) +
                 " of snapshot " + std::to_string(c.message.snapshot.index) + " (transfer " +
                 std::to_string(c.transfer_id) + ") from n" + std::to_string(from + 1));
    }
    n.receive_chunk(e.peer, frame.body);
    return;
  }
  const bool reply = frame.type == wire::FrameType::kForwardReply;
  if (options_.trace) {
    trace_line("n" + std::to_string(e.node + 1) + " gets a forward" + (reply ? " reply" : "") +
               " from n" + std::to_string(e.peer));
  }
  n.deliver_forward(e.peer, reply, frame.body);
}

void SimCluster::lose_stream_frame(int from, int to, wire::FrameType type,
                                   const std::string& frame) {
  ++frames_lost_;
  std::string what = "a forward";
  if (type == wire::FrameType::kForwardReply) {
    what = "a forward reply";
  } else if (type == wire::FrameType::kSnapshotChunk) {
    // The transfer has a gap now: the receiver must drop it at the next chunk, never verify
    // (let alone install) it (the cut check, SimNode::note_cut_transfer).
    const wire::SnapshotChunk c = sent_snapshot_chunk(frame);
    nodes_[to]->note_cut_transfer(static_cast<NodeId>(from + 1), c.transfer_id);
    what = "bytes " + std::to_string(c.offset) + "-" + std::to_string(c.offset + c.data.size()) +
           " of transfer " + std::to_string(c.transfer_id);
  }
  if (options_.trace) {
    trace_line(what + " from n" + std::to_string(from + 1) + " to n" + std::to_string(to + 1) +
               " is lost with its connection");
  }
}

void SimCluster::reset_connection() {
  std::vector<std::pair<int, int>> up;
  std::vector<std::pair<int, int>> busy;  // frames in flight on it
  for (int from = 0; from < slots_; ++from) {
    for (int to = 0; to < slots_; ++to) {
      if (from != to && link_up(from, to)) {
        up.emplace_back(from, to);
        if (stream_bytes_[from][to] > 0 && stream_queue_[from][to].empty()) {
          busy.emplace_back(from, to);
        }
      }
    }
  }
  const std::vector<std::pair<int, int>>& pick =
      !busy.empty() && reset_prng_.chance(2, 3) ? busy : up;
  if (pick.empty()) {
    return;
  }
  const auto [from, to] = pick[reset_prng_.uniform(pick.size())];
  ++link_losses_[from][to];  // what production's PeerStatus::disconnects counts
  trace_line("reset n" + std::to_string(from + 1) + "'s connection to n" + std::to_string(to + 1));
}

std::vector<std::string> SimCluster::withdraw_forwards(int node, NodeId to_id) {
  const int to = static_cast<int>(to_id) - 1;
  HELIOS_ASSERT(to >= 0 && to < slots_);
  std::vector<std::string> out;
  std::deque<QueuedFrame>& queue = stream_queue_[node][to];
  std::deque<QueuedFrame> kept;
  for (QueuedFrame& f : queue) {
    if (f.forward) {
      stream_bytes_[node][to] -= f.frame.size();
      out.push_back(received_stream_frame(f.frame).body);
    } else {
      kept.push_back(std::move(f));
    }
  }
  queue = std::move(kept);
  return out;
}

void SimCluster::flush_streams() {
  for (int from = 0; from < slots_; ++from) {
    for (int to = 0; to < slots_; ++to) {
      std::deque<QueuedFrame>& queue = stream_queue_[from][to];
      if (queue.empty() || !link_up(from, to)) {
        continue;
      }
      std::deque<QueuedFrame> sending = std::move(queue);
      queue.clear();
      for (QueuedFrame& f : sending) {
        deliver_frame_later(from, to, std::move(f.frame));
      }
    }
  }
}

}  // namespace helios::sim

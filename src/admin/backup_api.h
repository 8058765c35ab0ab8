#pragma once
// GET /backup: streams a backup file (storage/backup_file.h) of this node's state machine at
// a linearizable point, so that it holds every write acknowledged before the request.
//
//   1. A read barrier (Node::read: ReadIndex through the leader) on the loop thread; once it
//      completes, the state machine reflects every write acknowledged before the request,
//      and its applied index A is the target.
//   2. The newest durable snapshot covers A if its index is >= A; else the node starts one
//      (the fork()ed snapshot of docs/snapshots.md: the node keeps serving) and the handler
//      polls the loop every 20 ms until a snapshot covering A is durable. A snapshot that
//      fails (the node retries twice) answers 503 with its error.
//   3. On the loop thread, the snapshot file is opened (so pruning, which also runs there,
//      cannot remove it first; once open it stays readable even if pruned). The handler's
//      thread then streams: the backup header, the snapshot's data read from the file in
//      1 MiB chunks, and the checksum. The snapshot file's own checksum is verified on the
//      way; if it fails, the connection is cut before the trailer, so the client never
//      gets a backup that verifies. The loop thread does nothing but the short probes.
//
// Answers: 200 application/octet-stream (Content-Length: the file's size); 401 as for any
// request that changes the node (the backup holds every key: admin_server.h, Security);
// 503 {"error": ...} when the barrier fails (no leader: retry), the snapshot fails, or the
// loop does not answer; 504 when no snapshot covered the read index within kBackupWait.
// Other methods: 405.
//
// Thread rules: the handler runs on the admin server's thread; it touches the node only in
// functions posted to the loop thread (Runtime::post).

#include <chrono>
#include <functional>

#include "admin/httplib_fwd.h"
#include "node/runtime.h"

namespace helios::admin {

// How long GET /backup waits for a snapshot covering its read index.
inline constexpr std::chrono::minutes kBackupWait{10};

// True if the request may proceed; otherwise it has written the 401 answer.
using RequestGuard = std::function<bool(const httplib::Request&, httplib::Response&)>;

// Registers GET /backup (and 405 for other methods) on `server`.
void add_backup_route(httplib::Server& server, node::Runtime& runtime, RequestGuard guard);

}  // namespace helios::admin

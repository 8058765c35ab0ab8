#pragma once
// The dashboard: a read-only web page of the cluster, served by every node on its admin port.
//
//   GET /                     the page (dashboard/index.html)
//   GET /dashboard/NAME       its style sheet and script (dashboard/style.css, app.js)
//   GET /cluster              the cluster as this node gathers it (cluster_view.h): the page
//                             asks only this, once a second
//
// The files are compiled into the binary (dashboard_assets.h). They are answered with an
// ETag (a 304 to a matching If-None-Match), `Cache-Control: no-cache`, and headers that keep
// the page to itself: a Content-Security-Policy allowing only this origin's script, style
// and requests, no framing, no referrer, no MIME sniffing. /cluster answers 503 when the
// node's loop does not answer. The page polls rather than streams (no server-sent events):
// each request is short and bounded by the server's timeouts, so an open page never holds
// one of the server's few threads.

#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace helios::admin {

class ClusterView;

// The paths above (for the 405 answers of other methods).
std::vector<std::string> dashboard_paths();

// Registers GET on each of them.
void add_dashboard_routes(httplib::Server& server, ClusterView& cluster);

}  // namespace helios::admin

#pragma once
// The cpp-httplib types the admin headers name, declared without including <httplib.h>
// (a large header that only the .cc files need).

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

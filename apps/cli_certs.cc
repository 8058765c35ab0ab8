#include "apps/cli_certs.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "tls/cert_factory.h"

namespace helios::apps {

namespace {

constexpr const char* kUsage =
    "usage: helios-cli certs create DIR --nodes NAME,NAME,... [--hosts H,...] [--days N]\n"
    "                               [--client NAME] [--force]\n"
    "       helios-cli certs issue DIR NAME [--client] [--hosts H,...] [--days N] [--out DIR]\n"
    "                              [--not-after-seconds S]\n";

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) {
      out.push_back(item);
    }
  }
  return out;
}

bool parse_long(const std::string& text, long& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int usage(const std::string& why) {
  std::fprintf(stderr, "helios-cli certs: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace

int run_certs_command(const std::vector<std::string>& args) {
  if (args.size() < 3 || (args[1] != "create" && args[1] != "issue")) {
    return usage("expected create DIR or issue DIR NAME");
  }
  const bool create = args[1] == "create";
  tls::CertRequest request;
  tls::LeafOptions leaf;
  request.dir = args[2];
  std::string name;
  std::string out_dir = args[2];
  std::size_t i = 3;
  if (!create) {
    if (args.size() < 4 || args[3].rfind("--", 0) == 0) {
      return usage("issue needs DIR and NAME");
    }
    name = args[3];
    i = 4;
  }
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    long number = 0;
    if (a == "--nodes" && has_value && create) {
      request.nodes = split_list(args[++i]);
    } else if (a == "--hosts" && has_value) {
      request.hosts = leaf.hosts = split_list(args[++i]);
    } else if (a == "--days" && has_value && parse_long(args[i + 1], number)) {
      ++i;
      request.days = leaf.days = static_cast<int>(std::clamp(number, -1L, 1L << 20));
    } else if (a == "--client" && create && has_value) {
      request.client_name = args[++i];
    } else if (a == "--client" && !create) {
      leaf.kind = tls::LeafKind::kClient;
    } else if (a == "--force") {
      request.overwrite = leaf.overwrite = true;
    } else if (a == "--out" && has_value && !create) {
      out_dir = args[++i];
    } else if (a == "--not-after-seconds" && has_value && !create &&
               parse_long(args[i + 1], number) && number != 0) {
      ++i;
      leaf.not_after_offset_seconds_override = number;
    } else {
      return usage("unexpected '" + a + "'");
    }
  }
  if (create && request.nodes.empty()) {
    return usage("--nodes is required (e.g. --nodes node-1,node-2,node-3)");
  }
  const Status s =
      create ? tls::create_certs(request) : tls::issue_leaf(request.dir, out_dir, name, leaf);
  if (!s.is_ok()) {
    std::fprintf(stderr, "helios-cli certs: %s\n", s.message().c_str());
    return 1;
  }
  if (create) {
    std::printf("wrote %s/ca.crt, ca.key, %s.crt/.key", request.dir.c_str(),
                request.client_name.c_str());
    for (const std::string& node : request.nodes) {
      std::printf(", %s.crt/.key", node.c_str());
    }
    std::printf("\nkeep ca.key offline; give each node ca.crt and its own .crt and .key\n");
  } else {
    std::printf("wrote %s/%s.crt and %s/%s.key\n", out_dir.c_str(), name.c_str(), out_dir.c_str(),
                name.c_str());
  }
  return 0;
}

}  // namespace helios::apps

#include "admin/dashboard.h"

#include <httplib.h>

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "admin/cluster_view.h"
#include "admin/dashboard_assets.h"

namespace helios::admin {

namespace {

constexpr const char* kIndex = "index.html";
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string path_of(std::string_view name) {
  return name == kIndex ? "/" : "/dashboard/" + std::string(name);
}

std::string etag_of(std::string_view body) {
  char text[24];
  std::snprintf(text, sizeof(text), "\"%016zx\"", std::hash<std::string_view>{}(body));
  return text;
}

void common_headers(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy", kPolicy);
}

}  // namespace

const Asset* find_asset(std::string_view name) {
  for (const Asset& a : dashboard_assets()) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

std::string_view content_type_of(std::string_view name) {
  const auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) {
    return "text/html; charset=utf-8";
  }
  if (ends_with(".css")) {
    return "text/css; charset=utf-8";
  }
  if (ends_with(".js")) {
    return "text/javascript; charset=utf-8";
  }
  if (ends_with(".svg")) {
    return "image/svg+xml";
  }
  if (ends_with(".png")) {
    return "image/png";
  }
  return "application/octet-stream";
}

std::vector<std::string> dashboard_paths() {
  std::vector<std::string> paths;
  for (const Asset& a : dashboard_assets()) {
    paths.push_back(path_of(a.name));
  }
  paths.push_back("/cluster");
  return paths;
}

void add_dashboard_routes(httplib::Server& server, ClusterView& cluster) {
  for (const Asset& a : dashboard_assets()) {
    const Asset* asset = &a;
    server.Get(path_of(a.name), [asset, etag = etag_of(a.body)](const httplib::Request& req,
                                                                httplib::Response& res) {
      common_headers(res);
      res.set_header("Cache-Control", "no-cache");
      res.set_header("ETag", etag);
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
      res.set_content(asset->body.data(), asset->body.size(),
                      std::string(content_type_of(asset->name)));
    });
  }
  server.Get("/cluster", [&cluster](const httplib::Request&, httplib::Response& res) {
    common_headers(res);
    res.set_header("Cache-Control", "no-store");
    Result<std::string> answer = cluster.get();
    if (!answer.is_ok()) {
      res.status = 503;
      res.set_content(nlohmann::json({{"error", answer.status().message()}}).dump(),
                      "application/json");
      return;
    }
    res.set_content(std::move(answer).value(), "application/json");
  });
}

}  // namespace helios::admin

#include "atlas/zset_object.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "atlas/zset_order.h"
#include "base/assert.h"

namespace helios::atlas {

namespace {

using Entry = ZSetObject::Entry;

std::string score_text(double score) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), score);
  HELIOS_ASSERT(ec == std::errc());
  return std::string(buf, end);
}

double parse_score(std::string_view text) {
  double score = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), score);
  HELIOS_ASSERT(ec == std::errc() && end == text.data() + text.size());
  return score;
}

// Calls fn(member, score, member's position) for each element in order until fn is false.
template <typename Fn>
void walk(const Listpack& lp, Fn fn) {
  for (Listpack::Pos pos = lp.begin(); pos != lp.end();) {
    const Listpack::Pos score = lp.next(pos);
    if (!fn(lp.at(pos), parse_score(lp.at(score)), pos)) {
      return;
    }
    pos = lp.next(score);
  }
}

// The number of elements, from the first on, for which pred(entry) holds (a prefix).
template <typename Pred>
std::size_t count_while(const std::vector<Entry>& all, Pred pred) {
  return static_cast<std::size_t>(std::partition_point(all.begin(), all.end(), pred) - all.begin());
}

// Elements at ascending positions [lo, hi) after `offset`, at most `limit`, in the given
// direction (SortedSet::slice's contract).
std::vector<Entry> slice(const std::vector<Entry>& all, std::size_t lo, std::size_t hi,
                         bool reverse, std::size_t offset, std::size_t limit) {
  std::vector<Entry> out;
  if (hi <= lo || hi - lo <= offset || limit == 0) {
    return out;
  }
  const std::size_t n = std::min(limit, hi - lo - offset);
  out.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    out.push_back(all[reverse ? hi - 1 - offset - k : lo + offset + k]);
  }
  return out;
}

std::size_t score_lo(const std::vector<Entry>& all, SortedSet::ScoreBound min) {
  return count_while(all, [&](const Entry& e) { return zset_order::below(e.score, min); });
}
std::size_t score_hi(const std::vector<Entry>& all, SortedSet::ScoreBound max) {
  return count_while(all, [&](const Entry& e) { return zset_order::within_max(e.score, max); });
}
// Every score the same: the lex order is the element order (SortedSet::uniform_scores).
bool uniform_scores(const std::vector<Entry>& all) {
  return all.empty() || all.front().score == all.back().score || SortedSet::lex_by_rank_planted();
}

std::size_t lex_lo(const std::vector<Entry>& all, const SortedSet::LexBound& min) {
  return count_while(all, [&](const Entry& e) { return zset_order::below_lex(e.member, min); });
}
std::size_t lex_hi(const std::vector<Entry>& all, const SortedSet::LexBound& max) {
  return count_while(all,
                     [&](const Entry& e) { return zset_order::within_max_lex(e.member, max); });
}

}  // namespace

const SortedSet* ZSetObject::big() const {
  const auto* p = std::get_if<std::unique_ptr<SortedSet>>(&data_);
  return p == nullptr ? nullptr : p->get();
}

SortedSet* ZSetObject::big() {
  auto* p = std::get_if<std::unique_ptr<SortedSet>>(&data_);
  return p == nullptr ? nullptr : p->get();
}

ZSetObject ZSetObject::clone() const {
  ZSetObject copy;
  if (const SortedSet* z = big()) {
    copy.data_ = std::make_unique<SortedSet>(z->clone());
  } else {
    copy.data_ = std::get<Listpack>(data_);
  }
  return copy;
}

std::size_t ZSetObject::size() const {
  const SortedSet* z = big();
  return z != nullptr ? z->size() : std::get<Listpack>(data_).size() / 2;
}

bool ZSetObject::insert(std::string_view member, double score) {
  HELIOS_ASSERT(!std::isnan(score));
  if (score == 0) {
    score = 0;  // -0 is held as 0, as SortedSet does
  }
  if (compact()) {
    auto& lp = std::get<Listpack>(data_);
    const Listpack::Pos found = lp.find(member, 2);
    const bool fresh = found == lp.end();
    if (!fresh) {
      if (parse_score(lp.at(lp.next(found))) == score) {
        return false;
      }
      lp.erase(found, 2);
    }
    if (member.size() <= kZSetMaxListpackValue && size() < kZSetMaxListpackEntries) {
      Listpack::Pos at = lp.end();
      walk(lp, [&](std::string_view m, double s, Listpack::Pos pos) {
        if (zset_order::before(score, member, s, m)) {
          at = pos;
          return false;
        }
        return true;
      });
      const Listpack::Pos inserted = lp.insert(at, member);
      lp.insert(lp.next(inserted), score_text(score));
      return fresh;
    }
    convert_to_skiplist();
    big()->insert(member, score);
    return fresh;
  }
  return big()->insert(member, score);
}

bool ZSetObject::erase(std::string_view member) {
  if (SortedSet* z = big()) {
    return z->erase(member);
  }
  auto& lp = std::get<Listpack>(data_);
  const Listpack::Pos found = lp.find(member, 2);
  if (found == lp.end()) {
    return false;
  }
  lp.erase(found, 2);
  return true;
}

std::optional<double> ZSetObject::score(std::string_view member) const {
  if (const SortedSet* z = big()) {
    return z->score(member);
  }
  const auto& lp = std::get<Listpack>(data_);
  const Listpack::Pos found = lp.find(member, 2);
  if (found == lp.end()) {
    return std::nullopt;
  }
  return parse_score(lp.at(lp.next(found)));
}

std::optional<std::size_t> ZSetObject::rank(std::string_view member, bool reverse) const {
  if (const SortedSet* z = big()) {
    return z->rank(member, reverse);
  }
  std::optional<std::size_t> ascending;
  std::size_t i = 0;
  walk(std::get<Listpack>(data_), [&](std::string_view m, double, Listpack::Pos) {
    if (m == member) {
      ascending = i;
      return false;
    }
    ++i;
    return true;
  });
  if (!ascending.has_value()) {
    return std::nullopt;
  }
  return reverse ? size() - 1 - *ascending : *ascending;
}

ZSetObject::Entry ZSetObject::at(std::size_t rank) const {
  if (const SortedSet* z = big()) {
    return z->at(rank);
  }
  HELIOS_ASSERT(rank < size());
  const auto& lp = std::get<Listpack>(data_);
  const Listpack::Pos pos = lp.nth(2 * rank);
  return Entry{std::string(lp.at(pos)), parse_score(lp.at(lp.next(pos)))};
}

std::vector<ZSetObject::Entry> ZSetObject::entries() const {
  if (const SortedSet* z = big()) {
    return z->entries();
  }
  std::vector<Entry> out;
  out.reserve(size());
  walk(std::get<Listpack>(data_), [&](std::string_view m, double s, Listpack::Pos) {
    out.push_back(Entry{std::string(m), s});
    return true;
  });
  return out;
}

std::vector<ZSetObject::Entry> ZSetObject::range_by_rank(std::size_t first, std::size_t last,
                                                         bool reverse) const {
  if (const SortedSet* z = big()) {
    return z->range_by_rank(first, last, reverse);
  }
  if (empty() || first >= size() || first > last) {
    return {};
  }
  last = std::min(last, size() - 1);
  const std::vector<Entry> all = entries();
  if (!reverse) {
    return slice(all, first, last + 1, false, 0, SIZE_MAX);
  }
  return slice(all, size() - 1 - last, size() - first, true, 0, SIZE_MAX);
}

std::vector<ZSetObject::Entry> ZSetObject::range_by_score(ScoreBound min, ScoreBound max,
                                                          bool reverse, std::size_t offset,
                                                          std::size_t limit) const {
  if (const SortedSet* z = big()) {
    return z->range_by_score(min, max, reverse, offset, limit);
  }
  const std::vector<Entry> all = entries();
  return slice(all, score_lo(all, min), score_hi(all, max), reverse, offset, limit);
}

std::size_t ZSetObject::count(ScoreBound min, ScoreBound max) const {
  if (const SortedSet* z = big()) {
    return z->count(min, max);
  }
  const std::vector<Entry> all = entries();
  const std::size_t lo = score_lo(all, min);
  const std::size_t hi = score_hi(all, max);
  return hi > lo ? hi - lo : 0;
}

std::vector<ZSetObject::Entry> ZSetObject::range_by_lex(const LexBound& min, const LexBound& max,
                                                        bool reverse, std::size_t offset,
                                                        std::size_t limit) const {
  if (const SortedSet* z = big()) {
    return z->range_by_lex(min, max, reverse, offset, limit);
  }
  const std::vector<Entry> all = entries();
  if (!uniform_scores(all)) {
    return zset_order::walk_lex(all, min, max, reverse, offset, limit);
  }
  return slice(all, lex_lo(all, min), lex_hi(all, max), reverse, offset, limit);
}

std::size_t ZSetObject::lex_count(const LexBound& min, const LexBound& max) const {
  if (const SortedSet* z = big()) {
    return z->lex_count(min, max);
  }
  const std::vector<Entry> all = entries();
  if (!uniform_scores(all)) {
    return zset_order::walk_lex(all, min, max, false, 0, SIZE_MAX).size();
  }
  const std::size_t lo = lex_lo(all, min);
  const std::size_t hi = lex_hi(all, max);
  return hi > lo ? hi - lo : 0;
}

void ZSetObject::convert_to_skiplist() {
  if (!compact()) {
    return;
  }
  auto z = std::make_unique<SortedSet>();
  for (const Entry& e : entries()) {
    z->insert(e.member, e.score);
  }
  data_ = std::move(z);
}

void ZSetObject::check_invariants() const {
  if (const SortedSet* z = big()) {
    z->check_invariants();
    return;
  }
  const auto& lp = std::get<Listpack>(data_);
  HELIOS_ASSERT(lp.size() % 2 == 0 && size() <= kZSetMaxListpackEntries);
  const Entry* prev = nullptr;
  const std::vector<Entry> all = entries();
  for (const Entry& e : all) {
    HELIOS_ASSERT(e.member.size() <= kZSetMaxListpackValue && !std::isnan(e.score));
    HELIOS_ASSERT(prev == nullptr ||
                  zset_order::before(prev->score, prev->member, e.score, e.member));
    prev = &e;
  }
}

}  // namespace helios::atlas
